import AvisoLedger
import AvisoTestSupport
import Foundation
import Testing

/// `aviso run`, `reactivate` and `import` (the real binary) draw a progress bar with rate and ETA
/// on a terminal; piped, or with `--json`, they print nothing extra.
@Suite(.serialized) struct LongWorkProgressTests {
    static let script = URL(fileURLWithPath: "/usr/bin/script")
    static var scriptExists: Bool { FileManager.default.isExecutableFile(atPath: script.path) }

    /// Eight clients with an installment due in two days (D-2 on 2026-12-01) and one overdue
    /// since November (a reactivation summary).
    private func book() async throws -> Fixture {
        let f = try Fixture()
        for i in 0..<8 {
            try await f.client("C\(i)", phone: "5555-\(4000 + i)")
            try await f.installment("I\(i)", client: "C\(i)", due: "2026-12-03")
            try await f.installment("O\(i)", client: "C\(i)", due: "2026-11-10")
        }
        _ = try f.store.catchUp()
        return f
    }

    /// `command` under `script`, on a pseudo-terminal: what it wrote there (stdout and stderr).
    private func onTerminal(_ command: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.script
        process.arguments = ["-qec", ([try avisoBinary().path] + command).joined(separator: " "), "/dev/null"]
        // Never the caller's provider credentials: without them every send is simulated.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WHATSAPP_") && !$0.key.hasPrefix("TWILIO_") }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.runSerialized()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    private func piped(_ command: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let (process, out, err) = try avisoProcess(command)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test(.enabled(if: scriptExists), arguments: ["run", "reactivate"])
    func aTerminalGetsABarPerStep(command: String) async throws {
        let f = try await book()
        let result = try onTerminal([command, "--data", f.url.path, "--now", "2026-12-01T15:00:00Z"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\(command): deciding ["), "\(result.output)")
        #expect(result.output.contains("\(command): sending [##############################] 100%  8/8"), "\(result.output)")
        #expect(result.output.contains("/s  ETA"))
        #expect(result.output.contains("sent 8"), "the summary still follows: \(result.output)")
    }

    @Test(.enabled(if: scriptExists), arguments: ["--json", "--verbose"])
    func jsonOrVerboseOnATerminalGetNoBar(flag: String) async throws {
        let f = try await book()
        let result = try onTerminal(["run", "--data", f.url.path, "--now", "2026-12-01T15:00:00Z", flag])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("ETA"), "\(result.output)")
    }

    @Test(arguments: ["run", "reactivate"])
    func aPipeGetsOnlyTheSummary(command: String) async throws {
        let f = try await book()
        let result = try piped([command, "--data", f.url.path, "--now", "2026-12-01T15:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(!result.stdout.contains("ETA") && result.stdout.contains("sent 8"), "\(result.stdout)")
    }

    /// 1500 clients and their installments: the bar counts rows checked against the book.
    private func files() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-import-progress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let clients = "id,name,phone\n" + (0..<1500).map { "C\($0),Cliente \($0),5555\(String(format: "%04d", $0))\n" }.joined()
        let installments = "id,client_id,loan_id,number,due_date,amount\n" + (0..<1500).map { "I\($0),C\($0),L\($0),1,@+10,100.00\n" }.joined()
        try clients.write(to: dir.appendingPathComponent("clients.csv"), atomically: true, encoding: .utf8)
        try installments.write(to: dir.appendingPathComponent("installments.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    private func importCommand(_ dir: URL) -> [String] {
        ["import", "--data", dir.appendingPathComponent("data").path,
         "--clients", dir.appendingPathComponent("clients.csv").path, "--installments", dir.appendingPathComponent("installments.csv").path]
    }

    @Test(.enabled(if: scriptExists)) func importOnATerminalGetsABar() throws {
        let dir = try files()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try onTerminal(importCommand(dir))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("import: checking rows [##############################] 100%  3000/3000"), "\(result.output)")
        #expect(result.output.contains("/s  ETA"))
        #expect(result.output.contains("clients: 1500 appended"), "\(result.output)")
    }

    @Test func importPipedPrintsOnlyItsSummary() throws {
        let dir = try files()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try piped(importCommand(dir))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(!result.stdout.contains("ETA") && result.stdout.contains("installments: 1500 appended"), "\(result.stdout)")
    }
}
