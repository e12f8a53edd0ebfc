import AvisoTestSupport
import Foundation
import Testing

/// A binary whose console views cannot be read (copied without its resource bundle, or
/// `AVISO_VIEWS` naming the wrong folder) used to stop with a crash at start; `serve` now
/// refuses in one line and opens nothing.
@Suite struct ServeViewsCheckTests {
    @Test func serveRefusesUnreadableViewsWithOneClearLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-views-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("no-such-views").path
        let (process, _, err) = try avisoProcess(["serve", "--data", directory.appendingPathComponent("data").path, "--port", "\(try ChromeDriverProcess.freePort())"],
                                                 environment: ["AVISO_VIEWS": missing])
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "stopped by a signal: \(stderr)")
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("console's views could not be loaded from \(missing)"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("data").path))
    }
}
