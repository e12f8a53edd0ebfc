import AvisoLedger
import AvisoTestSupport
import Foundation
import Testing

/// `aviso run` (the real binary) prints its summary, not a log line per message; `--verbose`
/// adds those lines on stderr.
@Suite(.serialized) struct RunOutputTests {
    private func run(verbose: Bool) async throws -> (status: Int32, stdout: String, stderr: String) {
        let f = try Fixture()
        for i in 0..<8 {
            try await f.client("C\(i)", phone: "5555-\(4000 + i)")
            try await f.installment("I\(i)", client: "C\(i)", due: "2026-12-03")
        }
        _ = try f.store.catchUp()
        let (process, out, err) = try avisoProcess(["run", "--data", f.url.path, "--now", "2026-12-01T15:00:00Z"] + (verbose ? ["--verbose"] : []))
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test func aRunPrintsItsSummaryAndNoLinePerMessage() async throws {
        let quiet = try await run(verbose: false)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.contains("sent 8"), "\(quiet.stdout)")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")

        let verbose = try await run(verbose: true)
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stdout.contains("sent 8"), "\(verbose.stdout)")
        #expect(verbose.stderr.split(separator: "\n").filter { $0.contains("dry-run send") }.count == 8, "\(verbose.stderr)")
    }
}
