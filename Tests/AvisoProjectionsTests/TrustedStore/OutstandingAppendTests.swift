import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// Marten's test (issue 17): one `aviso` process holds an append open inside the writer's
/// transaction while other processes append and read. No reader, projection or checkpoint sees
/// past the last committed record; the other writer waits its turn; killing the holder leaves
/// no hole.
@Suite(.serialized) struct OutstandingAppendTests {
    static let paused = "paused at \(FaultInjection.Point.insideAppendBeforeCommit.rawValue)"

    static func clientsCSV(_ ids: [String], in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("clients-\(ids[0]).csv").path
        let rows = ids.map { "\($0),Cliente \($0),5555-1234,GT,Ana Pérez,sms," }
        try (["id,name,phone,phone_country_code,advisor,preferred_channel,payment_link"] + rows)
            .joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// While the holder is paused: every reader sees exactly the committed `head` records.
    static func readersSeeOnly(_ head: UInt64, _ directory: DataDirectory, backend: LedgerBackendUnderTest,
                               signing: [String: String]) throws {
        let environment = backend.environment(directory)
        let waiting = "a reader waited for the append held open"
        let verify = try RunningChild.aviso(["verify", "--data", try backend.processFolder(directory)], environment: environment).finish(orKillAfter: .seconds(60), waiting)
        #expect(verify.status == 0 && verify.stdout.contains("ok: \(head) events"), "\(verify.stdout) \(verify.stderr)")
        let history = try RunningChild.aviso(["history", "--data", try backend.processFolder(directory), "--json"], environment: environment)
            .finish(orKillAfter: .seconds(60), waiting)
        let positions = history.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["position"] as? Int
        }
        #expect(history.status == 0 && positions == Array(1...Int(head)), "\(history.stderr)")
        let checkpoint = try RunningChild.aviso(["checkpoint", "--data", try backend.processFolder(directory)], environment: environment.merging(signing) { $1 })
            .finish(orKillAfter: .seconds(60), waiting)
        #expect(checkpoint.status == 0 && (try? CheckpointNote(parsing: checkpoint.stdout))?.size == head, "\(checkpoint.stderr)")
        #expect(try backend.records(directory).map(\.position) == Array(1...head))
        #expect(try backend.readModelCheckpoint(directory) <= head)
    }

    @Test(arguments: LedgerBackendUnderTest.allCases)
    func noOneSeesPastAnAppendHeldOpenAndKillingItLeavesNoHole(backend: LedgerBackendUnderTest) async throws {
        let fixture = try await TrustedStoreFixture(backend, clients: 3)
        defer { fixture.cleanUp() }
        let (directory, scratch) = (fixture.directory, fixture.scratch)
        let key = scratch.appendingPathComponent("checkpoint.key").path
        #expect(try RunningChild.aviso(["checkpoint", "keygen", "--name", "prestamos.example.gt", "--out", key]).finish().status == 0)
        let signing = ["AVISO_CHECKPOINT_KEY": key]

        // 1. The holder pauses with its records put, uncommitted; then it is let go.
        let release = scratch.appendingPathComponent("release").path
        let holder = try RunningChild.aviso(["import", "--data", try backend.processFolder(directory), "--clients", try Self.clientsCSV(["H1", "H2"], in: scratch)],
                                            environment: backend.environment(directory).merging(["AVISO_FAULT_PAUSE": FaultInjection.Point.insideAppendBeforeCommit.rawValue,
                                                                                      "AVISO_FAULT_RELEASE": release]) { $1 })
        defer { if holder.process.isRunning { holder.kill() } }
        #expect(holder.waitForStderr(containing: Self.paused))
        let writer = try RunningChild.stress(["--data", try backend.processFolder(directory), "--count", "2", "--tag", "W"], environment: backend.environment(directory))
        defer { if writer.process.isRunning { writer.kill() } }
        try Self.readersSeeOnly(3, directory, backend: backend, signing: signing)
        #expect(writer.process.isRunning, "the other writer must wait for the held transaction")
        FileManager.default.createFile(atPath: release, contents: Data())
        let held = holder.finish()
        #expect(held.status == 0, "\(held.stderr)")
        #expect(writer.finish().status == 0)
        let afterRelease = try backend.records(directory)
        #expect(afterRelease.map(\.position) == Array(1...UInt64(afterRelease.count)))
        // The held records are the ones right after 3; the waiting writer's come after them.
        let heldPositions = afterRelease.filter { ["H1", "H2"].contains(clientId(of: $0)) }.map(\.position)
        let writerPositions = afterRelease.filter { $0.actor == "stress:W" }.map(\.position)
        #expect(heldPositions == [4, 5] && writerPositions.count == 2 && writerPositions.min()! > 5, "\(heldPositions) \(writerPositions)")

        // 2. Held again, and killed while holding: its records never appear, no position is skipped.
        let head = UInt64(afterRelease.count)
        let doomed = try RunningChild.aviso(["import", "--data", try backend.processFolder(directory), "--clients", try Self.clientsCSV(["K1", "K2"], in: scratch)],
                                            environment: backend.environment(directory).merging(["AVISO_FAULT_PAUSE": FaultInjection.Point.insideAppendBeforeCommit.rawValue]) { $1 })
        defer { if doomed.process.isRunning { doomed.kill() } }
        #expect(doomed.waitForStderr(containing: Self.paused))
        let second = try RunningChild.stress(["--data", try backend.processFolder(directory), "--count", "2", "--tag", "W2"], environment: backend.environment(directory))
        defer { if second.process.isRunning { second.kill() } }
        try Self.readersSeeOnly(head, directory, backend: backend, signing: signing)
        #expect(second.process.isRunning)
        doomed.kill()
        #expect(doomed.finish().status == -SIGKILL)
        let after = second.finish()
        #expect(after.status == 0, "\(after.stderr)")
        let records = try backend.records(directory)
        #expect(records.map(\.position) == Array(1...head + 2))
        #expect(records.suffix(2).allSatisfy { $0.actor == "stress:W2" })
        #expect(!records.contains { ["K1", "K2"].contains(clientId(of: $0)) })
        let verify = try RunningChild.aviso(["verify", "--data", try backend.processFolder(directory)], environment: backend.environment(directory)).finish()
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}
