import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// Crash consistency under group commit (issue 17): a process appends small batches from four
/// tasks at once (so the writer groups them into shared transactions) and prints each batch's
/// positions once it is durable; it is SIGKILLed after a random number of them, round after
/// round. Afterwards every acknowledged batch is there, at its positions; each task's batches
/// are a prefix of what it submitted, every batch whole; the read models never claim more than
/// the log. A copy of the files taken at a random moment while appending (what a disk that
/// dropped unsynced writes may hold) is either a consistent prefix or refused, never used damaged.
@Suite(.serialized) struct CrashConsistencyTests {
    /// `tag/task/batch` → the positions its acknowledgement printed.
    typealias Acknowledged = [String: ClosedRange<UInt64>]

    static func acknowledgements(_ output: String, tag: String) -> Acknowledged {
        var acked: Acknowledged = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 5, fields[0] == "ack", let first = UInt64(fields[3]), let last = UInt64(fields[4]) else { continue }
            acked["\(tag)/\(fields[1])/\(fields[2])"] = first...last
        }
        return acked
    }

    /// The submitted batch an event id belongs to (`tag/task/batch/j` → `tag/task/batch`, `j`).
    static func batch(of id: String) -> (key: String, index: Int)? {
        let parts = id.split(separator: "/")
        guard parts.count == 4, let index = Int(parts[3]) else { return nil }
        return (parts.prefix(3).joined(separator: "/"), index)
    }

    /// Checks the log against everything acknowledged and submitted so far.
    static func checkLog(_ records: [LedgerRecord], acknowledged: Acknowledged, context: String) {
        #expect(records.map(\.position) == Array(1...UInt64(records.count)), "\(context): positions are not gap-free")
        var batches: [String: [(index: Int, position: UInt64)]] = [:]
        for record in records.dropFirst() {
            guard let id = clientId(of: record), let (key, index) = batch(of: id) else {
                Issue.record("\(context): record \(record.position) was never submitted")
                continue
            }
            batches[key, default: []].append((index, record.position))
        }
        for (key, range) in acknowledged {
            let found = batches[key] ?? []
            #expect(found.map(\.position) == Array(range) && found.map(\.index) == Array(0..<range.count),
                    "\(context): acknowledged batch \(key) at \(range) is \(found)")
        }
        // Per task: batches 0..<k, each whole (one to three events, by the tool's rule), at consecutive positions.
        var perTask: [String: [Int]] = [:]
        for (key, events) in batches {
            let parts = key.split(separator: "/")
            let number = Int(parts[2])!
            perTask[parts.prefix(2).joined(separator: "/"), default: []].append(number)
            #expect(events.map(\.index) == Array(0...(number % 3)), "\(context): batch \(key) is not whole: \(events)")
            #expect(zip(events, events.dropFirst()).allSatisfy { $1.position == $0.position + 1 }, "\(context): batch \(key) is split")
        }
        for (task, numbers) in perTask {
            #expect(numbers.sorted() == Array(0..<numbers.count), "\(context): \(task) is not a prefix of what it submitted: \(numbers.sorted())")
        }
    }

    @Test(arguments: LedgerBackendUnderTest.allCases)
    func killedMidBatchKeepsEveryAcknowledgedAppendAndAPrefix(backend: LedgerBackendUnderTest) async throws {
        let fixture = try await TrustedStoreFixture(backend, clients: 1)
        defer { fixture.cleanUp() }
        let (directory, scratch) = (fixture.directory, fixture.scratch)

        let rounds = 6
        let copyRound = Int.random(in: 1...rounds)
        var acknowledged: Acknowledged = [:]
        var copies: [DataDirectory] = []
        for round in 1...rounds {
            let tag = "r\(round)"
            let killAfter = Int.random(in: 1...60)
            let child = try RunningChild.stress(["--data", directory.url.path, "--batches", "1000", "--tasks", "4", "--tag", tag],
                                                environment: backend.environment(directory))
            #expect(child.waitForLines(killAfter, startingWith: "ack "), "round \(round): it stopped before \(killAfter) acknowledgements")
            if round == copyRound && backend.hasLedgerFilesToCopy {
                // Taken while the writer runs: the ledger first, then the read models.
                for withReadModels in [false, true] {
                    let copy = DataDirectory(scratch.appendingPathComponent("copy-\(withReadModels)"))
                    try backend.copyLedgerFiles(of: directory, to: copy)
                    if withReadModels {
                        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: directory.readModels.path + suffix) {
                            try FileManager.default.copyItem(atPath: directory.readModels.path + suffix, toPath: copy.readModels.path + suffix)
                        }
                    }
                    copies.append(copy)
                }
            }
            child.kill()
            let killed = child.finish()
            #expect(killed.status == -SIGKILL, "round \(round): \(killed.stderr)")
            let acked = Self.acknowledgements(killed.stdout, tag: tag)
            #expect(acked.count >= killAfter)
            acknowledged.merge(acked) { $1 }

            let records = try backend.records(directory)
            Self.checkLog(records, acknowledged: acknowledged, context: "round \(round), killed after \(killAfter) acknowledgements")
            #expect(try backend.readModelCheckpoint(directory) <= UInt64(records.count))
        }
        // Reopened by a writer: it catches up and verifies.
        let verify = try RunningChild.aviso(["verify", "--data", directory.url.path], environment: backend.environment(directory)).finish()
        #expect(verify.status == 0, "\(verify.stderr)")

        let live = try backend.records(directory)
        for copy in copies {
            let checked = try RunningChild.aviso(["verify", "--data", copy.url.path], environment: backend.environment(directory)).finish()
            #expect(checked.status >= 0, "verify crashed on a copy: \(checked.stderr)")
            if checked.status == 0 {
                let copied = try backend.records(copy)
                #expect(copied.map(\.hash) == live.prefix(copied.count).map(\.hash), "the copy is not a prefix of the log")
            } else {
                let named = ["is damaged", "ahead of the log", "another ledger", "hash chain broken", "corrupt", "LMDB"]
                #expect(named.contains { checked.stderr.contains($0) }, "a refused copy must say why: \(checked.stderr)")
            }
        }
    }
}
