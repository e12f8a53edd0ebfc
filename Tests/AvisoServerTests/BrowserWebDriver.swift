import AvisoTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A small W3C WebDriver client (JSON over HTTP), enough for the console's browser tests:
/// sessions, navigation, CSS lookup, typing, clicking, text, screenshots.
struct WebDriver: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Element: Sendable {
        let id: String
    }

    let base: URL
    let sessionId: String
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// Opens a headless Chromium session (root needs --no-sandbox) in a throwaway profile.
    static func chromium(driver base: URL, binary: String, profile: URL) async throws -> WebDriver {
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                         "--user-data-dir=\(profile.path)", "--window-size=1280,900", "--lang=es-GT"],
            ],
        ]]]
        let answer = try await call(base.appendingPathComponent("session"), method: "POST", body: capabilities)
        guard let value = answer as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "no session id in \(answer)")
        }
        return WebDriver(base: base, sessionId: id)
    }

    func quit() async {
        _ = try? await Self.call(base.appendingPathComponent("session/\(sessionId)"), method: "DELETE", body: nil)
    }

    @discardableResult
    func command(_ path: String, method: String = "POST", _ body: [String: Any]? = [:]) async throws -> Any {
        try await Self.call(base.appendingPathComponent("session/\(sessionId)/\(path)"), method: method, body: method == "GET" ? nil : body)
    }

    func open(_ url: String) async throws { try await command("url", ["url": url]) }

    func currentURL() async throws -> String { try await command("url", method: "GET") as? String ?? "" }

    func title() async throws -> String { try await command("title", method: "GET") as? String ?? "" }

    func source() async throws -> String { try await command("source", method: "GET") as? String ?? "" }

    func find(_ css: String) async throws -> Element {
        let value = try await command("element", ["using": "css selector", "value": css])
        guard let object = value as? [String: Any], let id = object[Self.elementKey] as? String else {
            throw Failure(description: "no element \(css)")
        }
        return Element(id: id)
    }

    func findAll(_ css: String) async throws -> [Element] {
        let value = try await command("elements", ["using": "css selector", "value": css])
        return (value as? [[String: Any]] ?? []).compactMap { ($0[Self.elementKey] as? String).map(Element.init) }
    }

    func text(_ element: Element) async throws -> String {
        try await command("element/\(element.id)/text", method: "GET") as? String ?? ""
    }

    func text(_ css: String) async throws -> String { try await text(try find(css)) }

    func property(_ element: Element, _ name: String) async throws -> Any? {
        try await command("element/\(element.id)/property/\(name)", method: "GET")
    }

    func clear(_ element: Element) async throws { try await command("element/\(element.id)/clear") }

    func type(_ element: Element, _ text: String) async throws { try await command("element/\(element.id)/value", ["text": text]) }

    func fill(_ css: String, _ text: String) async throws {
        let element = try await find(css)
        try await clear(element)
        try await type(element, text)
    }

    func click(_ css: String) async throws { try await command("element/\(try find(css).id)/click") }

    /// The page as a PNG.
    func screenshot() async throws -> Data {
        guard let base64 = try await command("screenshot", method: "GET") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    /// Cookies as the browser holds them (HttpOnly ones too), as a `Cookie` header value.
    func cookieHeader() async throws -> String {
        let cookies = try await command("cookie", method: "GET") as? [[String: Any]] ?? []
        return cookies.compactMap { c in (c["name"] as? String).map { "\($0)=\(c["value"] as? String ?? "")" } }.joined(separator: "; ")
    }

    func resize(width: Int, height: Int) async throws {
        try await command("window/rect", ["width": width, "height": height])
    }

    /// Runs `script` (a function body; `return` gives the answer) in the page.
    func script(_ script: String) async throws -> Any {
        try await command("execute/sync", ["script": script, "args": [Any]()])
    }

    /// Lays the page out as a phone `width` CSS pixels wide (Chromium's device emulation: a
    /// headless window cannot be made that narrow).
    func emulatePhone(width: Int, height: Int = 844) async throws {
        try await command("goog/cdp/execute", ["cmd": "Emulation.setDeviceMetricsOverride",
                                               "params": ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": true]])
    }

    /// Polls `condition` until it holds or `seconds` pass (a bounded wait, not a sleep).
    func waitUntil(_ what: String, seconds: Double = 5, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if (try? await condition()) == true { return }
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// One request on its own connection. Over HummingbirdTesting's NIO client rather than
    /// URLSession: chromedriver writes `Content-Length:250` (no space after the colon), which
    /// swift-corelibs-foundation refuses ("Failed writing header").
    static func call(_ url: URL, method: String, body: [String: Any]?) async throws -> Any {
        let host = url.host ?? "127.0.0.1", port = url.port ?? 80
        var headers: HTTPFields = [:]
        var buffer: ByteBuffer?
        if let body {
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
            headers[.contentType] = "application/json; charset=utf-8"
        }
        let request = TestClient.Request(url.path, method: HTTPRequest.Method(method)!, authority: "\(host):\(port)",
                                         headers: headers, body: buffer)
        let response = try await TestClient.withClient(host: host, port: port, configuration: .init(timeout: .seconds(60))) {
            try await $0.execute(request)
        }
        let data = response.body.map { Data(buffer: $0) } ?? Data()
        let object = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any]
        let value = object?["value"] ?? NSNull()
        if response.status.code >= 400 {
            let message = (value as? [String: Any])?["message"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw Failure(description: "\(method) \(url.path) → \(response.status.code): \(message.prefix(300))")
        }
        return value
    }
}

/// Chromium and chromedriver as installed by Debian (`.ci/run` installs both).
struct BrowserTools: Sendable {
    var chromium: String
    var chromedriver: String

    static func find() -> BrowserTools? {
        let env = ProcessInfo.processInfo.environment
        func first(_ names: [String]) -> String? {
            names.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let chromium = first([env["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].compactMap { $0 }),
              let driver = first([env["CHROMEDRIVER"], "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].compactMap { $0 })
        else { return nil }
        return BrowserTools(chromium: chromium, chromedriver: driver)
    }

    static var inCI: Bool { ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "") }
}

/// A chromedriver process on a free loopback port, stopped by `stop()`.
final class ChromeDriverProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(path: String) throws {
        port = try Self.freePort()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1", "--log-level=SEVERE"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runSerialized()
    }

    /// Waits for `/status` to say ready (bounded).
    func ready() async throws {
        let deadline = Date().addingTimeInterval(15)
        var last = "no answer"
        while Date() < deadline {
            do {
                let value = try await WebDriver.call(url.appendingPathComponent("status"), method: "GET", body: nil)
                if (value as? [String: Any])?["ready"] as? Bool == true { return }
                last = "\(value)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw WebDriver.Failure(description: "chromedriver did not start on port \(port): \(last)")
    }

    /// SIGTERM, a bounded wait, then SIGKILL. (`waitUntilExit` spins a run loop that can
    /// hang inside Swift concurrency on Linux.)
    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
    }

    /// Asks the kernel for a free port by binding port 0, then releases it for chromedriver.
    static func freePort() throws -> Int {
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw WebDriver.Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw WebDriver.Failure(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
