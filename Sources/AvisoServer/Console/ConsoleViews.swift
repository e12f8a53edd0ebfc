import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The console's Mustache templates, stylesheet and script, read once at start from the
/// target's resources. `{{ }}` escapes HTML, so user data (a client named `<script>`) shows as
/// text; no template uses `{{{ }}}`.
public struct ConsoleViews: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    let script: ByteBuffer

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Loaded on first use (the first `buildRouter`); a missing or broken template stops the
    /// server at start rather than at a user's first click.
    static let shared: ConsoleViews = {
        do {
            return try load(from: resourceDirectory)
        } catch {
            fatalError("console views could not be loaded from \(resourceDirectory.path): \(error)")
        }
    }()

    /// Loads the views once to say, as an error, what `shared` would otherwise stop the process
    /// on: `aviso serve` calls it before opening anything (a binary copied without its resource
    /// bundle, or `AVISO_VIEWS` naming the wrong folder).
    public static func checkLoadable() throws {
        do {
            _ = try load(from: resourceDirectory)
        } catch {
            throw LoadError(description: "the console's views could not be loaded from \(resourceDirectory.path): \(error). "
                + "Install the binary with its resource bundle beside it (tools/deploy/install.sh), or fix AVISO_VIEWS")
        }
    }

    /// `AVISO_VIEWS` (a `Resources` folder) for trying template changes without a rebuild,
    /// else the copy SwiftPM bundles with the target.
    static var resourceDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["AVISO_VIEWS"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        // `.copy("Resources")`: Linux bundles place it at the bundle root, Darwin under Contents/Resources.
        return Bundle.module.url(forResource: "Resources", withExtension: nil)
            ?? Bundle.module.bundleURL.appendingPathComponent("Resources", isDirectory: true)
    }

    static func load(from directory: URL) throws -> ConsoleViews {
        let views = directory.appendingPathComponent("Views", isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: views.path).filter { $0.hasSuffix(".mustache") }
        guard !names.isEmpty else { throw LoadError(description: "no .mustache files in \(views.path)") }
        var library = MustacheLibrary()
        for name in names {
            let text = try String(contentsOf: views.appendingPathComponent(name), encoding: .utf8)
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw LoadError(description: "\(name): \(error)")
            }
        }
        let publicDir = directory.appendingPathComponent("Public", isDirectory: true)
        let css = try Data(contentsOf: publicDir.appendingPathComponent("estilo.css"))
        let js = try Data(contentsOf: publicDir.appendingPathComponent("consola.js"))
        return ConsoleViews(library: library, stylesheet: ByteBuffer(bytes: css), script: ByteBuffer(bytes: js))
    }

    /// Renders `template` (which extends `layout`) with the page chrome and its content.
    func html<Content>(_ template: String, chrome: Chrome, content: Content, status: HTTPResponse.Status = .ok) -> Response {
        let text = library.render(Page(chrome: chrome, content: content), withTemplate: template)
            ?? "<!DOCTYPE html><title>Aviso</title><p>Falta la vista «\(template)».</p>"
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Pages carry a CSRF token and personal data: never cached, never framed, and only our
    /// own script and stylesheet may load (inline script would be refused).
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .cacheControl: "no-store",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    /// A 303 after a successful POST, so a reload does not post again.
    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var response = Response.redirect(to: location, type: .normal)
        response.headers.append(contentsOf: extra)
        return response
    }
}

/// What every template gets: `chrome` (layout) and `content` (the page's own data).
struct Page<Content> {
    var chrome: Chrome
    var content: Content
}
