@testable import AvisoServer
import AvisoTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9: a closed stdout stopped `aviso serve` (the log handler's write trapped, or SIGPIPE
/// ended the process). The real binary, its stdout a pipe nobody reads any more, keeps
/// answering, and `/metrics` counts the lines it had to drop.
@Suite struct ServeOutputTests {
    /// The `aviso` executable built beside this test bundle.
    static func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("aviso")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "aviso beside \(CommandLine.arguments[0])"])
    }

    static func call(_ port: Int, _ path: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:],
                     body: String? = nil) async throws -> (status: Int, body: String) {
        let request = TestClient.Request(path, method: method, authority: "127.0.0.1:\(port)", headers: headers,
                                         body: body.map { ByteBuffer(string: $0) })
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(10))) {
            try await $0.execute(request)
        }
        return (response.status.code, response.body.map { String(buffer: $0) } ?? "")
    }

    @Test func serveKeepsAnsweringWhenItsStdoutIsClosed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-serve-stdout-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try ChromeDriverProcess.freePort()
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--data", directory.path, "--port", "\(port)"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "WHATSAPP_APP_SECRET": TestSecrets.appSecret, "AVISO_ADMIN_PASSWORD": TestSecrets.passwords["admin"]!,
            "AVISO_BCRYPT_COST": "4", "AVISO_LOG_LEVEL": "debug",
        ]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.runSerialized()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(60)
        while (try? await Self.call(port, "/healthz"))?.status != 200 {
            try #require(Date() < deadline && process.isRunning, "aviso serve did not start")
            try await Task.sleep(for: .milliseconds(100))
        }
        // Nobody reads the server's stdout any more: every log line now fails with EPIPE.
        try output.fileHandleForReading.close()
        for i in 0..<30 {
            let body = WhatsAppFixtures.batch([("wamid.OUT\(i)", "sent", i)])
            let answer = try await Self.call(port, "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(body), body: body)
            #expect(answer.status == 200)
        }
        // Webhooks answered 200 are counted in /metrics, not logged; console and health
        // requests still log a line each.
        for _ in 0..<30 {
            #expect(try await Self.call(port, "/healthz").status == 200)
        }
        #expect(process.isRunning)
        let metrics = try await Self.call(port, "/metrics")
        let dropped = metrics.body.split(separator: "\n").first { $0.hasPrefix("aviso_log_lines_dropped_total ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(dropped >= 30)
    }
}
