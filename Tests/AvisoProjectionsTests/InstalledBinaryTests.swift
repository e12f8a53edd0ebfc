import AvisoTestSupport
import Foundation
import Testing

/// `aviso` installed the documented way (tools/deploy/install.sh: the binary and the `*.resources`
/// bundles beside it, copied to another folder) runs with the source tree and the build folder out of reach.
@Suite(.serialized) struct InstalledBinaryTests {
    /// The checkout this test was built from (the source tree and `.build` inside it), wherever
    /// it is: a developer's folder or CI's fresh clone.
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// As root, a private mount namespace can lay an empty tmpfs over the checkout, where the
    /// source tree and the build live, for one child process.
    static let canHideTheSourceTree: Bool = {
        guard getuid() == 0, FileManager.default.fileExists(atPath: "/usr/bin/unshare"),
              !FileManager.default.temporaryDirectory.path.hasPrefix(sourceRoot) else { return false }
        return (try? runProcess(URL(fileURLWithPath: "/usr/bin/unshare"), ["-m", "sh", "-c", "mount -t tmpfs tmpfs \"$0\"", sourceRoot]).status) == 0
    }()

    /// Installs the built binary with tools/deploy/install.sh into a temporary prefix (no symlink).
    private func install() throws -> URL {
        let built = avisoUnderTest().deletingLastPathComponent()
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-install-\(UUID().uuidString)", isDirectory: true)
        let script = URL(fileURLWithPath: Self.sourceRoot).appendingPathComponent("tools/deploy/install.sh")
        let result = try runProcess(URL(fileURLWithPath: "/bin/sh"), [script.path, prefix.path],
                                    environment: ["BUILD_DIR": built.path, "LINK": ""])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: prefix.appendingPathComponent("bin/Aviso_AvisoServer.resources").path))
        return prefix.appendingPathComponent("bin", isDirectory: true)
    }

    @Test(.enabled(if: canHideTheSourceTree))
    func theInstalledBinaryBootstrapsTheDemoWithNoSourceTree() async throws {
        let bin = try install()
        let home = bin.deletingLastPathComponent()
        let data = home.appendingPathComponent("data").path
        let port = try freeLoopbackPort()
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        // Inside: the checkout is an empty tmpfs; the working directory is the install's folder.
        serve.arguments = ["-m", "sh", "-c", #"mount -t tmpfs tmpfs "$0" && cd "$1" && shift && exec "$@""#, Self.sourceRoot, home.path,
                           bin.appendingPathComponent("aviso").path, "serve", "--demo", "--data", data, "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AVISO_") }
        environment["AVISO_BCRYPT_COST"] = "4"
        environment["AVISO_LOG_LEVEL"] = "error"
        serve.environment = environment
        let out = Pipe(), err = Pipe()
        serve.standardOutput = out
        serve.standardError = err
        try serve.runSerialized()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        let login = try await waitForHTTP("http://127.0.0.1:\(port)/ingresar", while: serve)
        // The sign-in page comes from the resource bundle beside the binary.
        #expect(login?.status == 200)
        #expect(login?.body.contains("<form") == true)
        kill(serve.processIdentifier, SIGTERM)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        serve.waitUntilExit()
        // The demo portfolio and the default templates came from inside the binary.
        #expect(stderr.contains("demo: 20 clients"), "\(stderr)")
        #expect(stderr.contains("account admin: login admin"), "\(stderr)")

        // The copy it made is a working data directory: templates were loaded.
        let history = try runProcess(bin.appendingPathComponent("aviso"), ["history", "--data", data, "--json"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.split(separator: "\n").filter { $0.contains(#""type":"TemplateChanged""#) }.count == 22, "\(history.stdout.prefix(2000))")
    }

    @Test func noSourceFindsFilesThroughItsOwnPath() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("#filePath"), "\(file) looks itself up in the build machine's source tree")
        }
    }
}
