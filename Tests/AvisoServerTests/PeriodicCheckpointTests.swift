import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import AvisoTestSupport
import Foundation
import Testing

/// Issue 17: `aviso serve` signs checkpoints itself, at start and then every
/// AVISO_CHECKPOINT_INTERVAL once the log has grown; an interval without a key is refused at
/// start, before anything is created.
@Suite(.serialized) struct PeriodicCheckpointTests {
    static func serve(_ directory: URL, port: Int, environment: [String: String]) throws -> (Process, Pipe) {
        let (process, _, err) = try avisoProcess(["serve", "--data", directory.path, "--port", "\(port)"], environment: [
            "WHATSAPP_APP_SECRET": TestSecrets.appSecret, "AVISO_ADMIN_PASSWORD": TestSecrets.passwords["admin"]!,
            "AVISO_BCRYPT_COST": "4",
        ].merging(environment) { $1 })
        return (process, err)
    }

    /// Polls `latest.note` until it names the ledger's head, at least `size` records (a checkpoint
    /// is signed at start and then every second here, once the log has grown).
    static func note(ofAtLeast size: UInt64, in directory: URL, while process: Process) async throws -> CheckpointNote {
        let files = CheckpointFiles(directory: DataDirectory(directory).checkpoints)
        let ledger = directory.appendingPathComponent("ledger")
        for _ in 0..<600 {
            if let note = try? files.latest(), note.size >= max(size, 1),
               note.size == (try? Ledger(readingOnly: ledger).head().position) {
                return note
            }
            try #require(process.isRunning, "aviso serve stopped")
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CheckpointError.mismatch("no checkpoint of the head (at least \(size)) was signed; latest: \(String(describing: try? files.latest()?.size))")
    }

    @Test func anIntervalWithoutAKeyIsRefusedAtStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-nokey-\(UUID().uuidString)")
        let (process, err) = try Self.serve(directory, port: try ChromeDriverProcess.freePort(),
                                            environment: ["AVISO_CHECKPOINT_INTERVAL": "15m", "AVISO_CHECKPOINT_KEY": ""])
        // Were it to start serving instead, it is stopped (and fails below) rather than hang the suite.
        let watchdog = Task.detached {
            try await Task.sleep(for: .seconds(60))
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus != 0)
        #expect(stderr.contains("AVISO_CHECKPOINT_KEY is not set"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path), "nothing is created")
    }

    @Test func serveSignsCheckpointsAsTheLogGrowsAndAnAuditorChecksThem() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-periodic-\(UUID().uuidString)")
        let data = scratch.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let key = scratch.appendingPathComponent("checkpoint.key").path
        let signer = try CheckpointSigner.generate(name: "prestamos.example.gt")
        try signer.privateKeyFile.write(toFile: key, atomically: true, encoding: .utf8)
        let publicKey = scratch.appendingPathComponent("checkpoint.pub").path
        try signer.verifier.text.write(toFile: publicKey, atomically: true, encoding: .utf8)

        let (process, _) = try Self.serve(data, port: try ChromeDriverProcess.freePort(),
                                          environment: ["AVISO_CHECKPOINT_KEY": key, "AVISO_CHECKPOINT_INTERVAL": "1s"])
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        // The server appended its first records (settings, the admin account): they are signed.
        let first = try await Self.note(ofAtLeast: 1, in: data, while: process)
        try signer.verifier.check(first)
        #expect(first.origin == "prestamos.example.gt/ledger")
        let old = scratch.appendingPathComponent("old.note").path
        try first.text.write(toFile: old, atomically: true, encoding: .utf8)

        // The log grows (another process appends): the next checkpoint names the new head.
        let store = try AvisoStore(directory: DataDirectory(data))
        let grown = try await store.append((1...4).map {
            NewEvent(.clientUpserted(ClientUpserted(id: "P\($0)", name: "Cliente \($0)", phone: "5555-100\($0)", phoneCountryCode: "GT",
                                                    advisor: nil, preferredChannel: .sms)), actor: "import")
        }).last!
        store.close()
        let second = try await Self.note(ofAtLeast: grown, in: data, while: process)
        let new = scratch.appendingPathComponent("new.note").path
        try second.text.write(toFile: new, atomically: true, encoding: .utf8)
        let (audit, out, auditErr) = try avisoProcess(["audit", "--ledger-copy", data.path, "--checkpoint", old, "--checkpoint", new,
                                                       "--public-key", publicKey])
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: auditErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        audit.waitUntilExit()
        #expect(audit.terminationStatus == 0 && said.contains("\(first.size) → \(second.size)"), "\(said) \(complaint)")

        // Graceful shutdown stops the checkpoint service with the rest.
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
