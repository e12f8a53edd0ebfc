import AvisoLedger
import AvisoProjections
import Foundation
import Testing

/// `aviso replay` and `aviso verify` (the real binary) draw a progress bar with rate and ETA on
/// a terminal, and print nothing extra when their output is not one.
@Suite(.serialized) struct ProgressBarTests {
    private let aviso = avisoUnderTest()
    static let script = URL(fileURLWithPath: "/usr/bin/script")

    private func directory() async throws -> DataDirectory {
        let directory = makeDataDirectory()
        let store = try AvisoStore(directory: directory)
        try await store.append((1...5_000).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
        store.close()
        return directory
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script.path)), arguments: ["replay", "verify"])
    func aTerminalGetsABarWithRateAndETA(command: String) async throws {
        let directory = try await directory()
        // `script` runs the command on a pseudo-terminal and copies what it wrote.
        let result = try runProcess(Self.script, ["-qec", "\(aviso.path) \(command) --data \(directory.url.path)", "/dev/null"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("\(command) [##############################] 100%  5000/5000"), "\(result.stdout)")
        #expect(result.stdout.contains("/s  ETA"))
    }

    @Test(arguments: ["replay", "verify"])
    func aPipeGetsNothingExtra(command: String) async throws {
        let directory = try await directory()
        let result = try runProcess(aviso, [command, "--data", directory.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(!result.stdout.contains("ETA"))
    }
}
