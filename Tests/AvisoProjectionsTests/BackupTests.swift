import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// `aviso backup DEST` (the real binary) while another process keeps appending: the copy is a
/// data directory that verifies, and holds exactly the live ledger's first N records.
@Suite(.serialized) struct BackupTests {
    private let aviso = avisoUnderTest()

    private func livePosition(_ directory: DataDirectory) throws -> UInt64 {
        let ledger = try Ledger(readingOnly: directory.ledger)
        defer { ledger.close() }
        return try ledger.head().position
    }

    /// Polls `condition` (up to about a minute) without timing anything.
    private func waitUntil(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<600 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func aBackupTakenWhileAppendingVerifiesAndIsAPrefixOfTheLiveLedger() async throws {
        let live = makeDataDirectory()
        do {
            let store = try AvisoStore(directory: live)
            try await store.append((1...50).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
            store.close()
        }
        let stress = Process()
        stress.executableURL = builtExecutable("ledger-stress")
        stress.arguments = ["--data", live.url.path, "--count", "1000000", "--tag", "live"]
        stress.standardOutput = Pipe()
        stress.standardError = Pipe()
        try stress.runSerialized()
        defer { if stress.isRunning { kill(stress.processIdentifier, SIGKILL) } }
        #expect(try await waitUntil { try livePosition(live) > 300 })

        let destination = makeDataDirectory().url.appendingPathComponent("backup-1")
        let backup = try runProcess(aviso, ["backup", destination.path, "--data", live.url.path, "--json"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any], "\(backup.stdout)")
        let head = UInt64(try #require(manifest["head_position"] as? Int))
        #expect(head > 300)
        // The live ledger went on past the copy: it was taken during the appends.
        #expect(try await waitUntil { try livePosition(live) > head + 100 })
        #expect(stress.isRunning, "the appending process stopped before the backup was checked")
        kill(stress.processIdentifier, SIGKILL)
        stress.waitUntilExit()

        // Record for record, hash for hash, the copy is the live ledger's first `head` records.
        let copied = try Ledger(readingOnly: DataDirectory(destination).ledger)
        let original = try Ledger(readingOnly: live.ledger)
        let copiedRecords = try copied.records(after: 0, limit: Int(head) + 10)
        #expect(copiedRecords.count == Int(head))
        #expect(copiedRecords == (try original.records(after: 0, limit: Int(head))))
        #expect(manifest["head_hash"] as? String == copiedRecords.last?.hash.map { String(format: "%02x", $0) }.joined())
        copied.close()
        original.close()
        let file = try Data(contentsOf: destination.appendingPathComponent("backup.json"))
        let written = try #require(try JSONSerialization.jsonObject(with: file) as? [String: Any])
        #expect(written["head_position"] as? Int == Int(head))
        #expect(written["aviso_version"] as? String != nil && written["taken_at"] as? String != nil)

        // DEST is a data directory: verify checks the chain and rebuilds the read models there.
        let verify = try runProcess(aviso, ["verify", "--data", destination.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("ok: \(head) events"), "\(verify.stdout)")
        let log = try runProcess(aviso, ["log", "--data", destination.path])
        #expect(log.status == 0, "\(log.stderr)")
    }

    @Test func aBackupNeverWritesIntoAFolderThatHoldsSomething() async throws {
        let live = makeDataDirectory()
        do {
            let store = try AvisoStore(directory: live)
            try await store.append(clientEvent("C1"), actor: "import")
            store.close()
        }
        let destination = makeDataDirectory().url
        try Data("older backup".utf8).write(to: destination.appendingPathComponent("notes.txt"))
        let refused = try runProcess(aviso, ["backup", destination.path, "--data", live.url.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("already exists and is not empty"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path) == ["notes.txt"])
        let ontoItself = try runProcess(aviso, ["backup", live.url.path, "--data", live.url.path])
        #expect(ontoItself.status != 0)
        let missing = try runProcess(aviso, ["backup", destination.appendingPathComponent("x").path, "--data", destination.appendingPathComponent("nope").path])
        #expect(missing.stderr.contains("there is no data directory"), "\(missing.stderr)")
    }
}
