@testable import AvisoLedger
import Foundation
import Synchronization
import Testing

/// Grouped deciding appends (webhook deduplication): many small decisions share one
/// transaction, and each sees what the earlier ones of that transaction decided.
@Suite struct GroupedDecisionTests {
    final class Tally: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    /// 300 concurrent decisions over 60 keys, each "append client K unless it is there":
    /// every key lands exactly once, whether its rival was committed before or is earlier
    /// in the same transaction.
    @Test(arguments: LedgerBackendKind.allCases) func concurrentGroupedDecisionsAppendEachKeyOnce(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        let together = Tally()
        try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for i in 0..<300 {
                group.addTask {
                    try await ledger.appendDeciding(grouped: true) { context in
                        let key = "C\(i % 60)"
                        if !context.batch.keys.isEmpty { together.add() }
                        let committed = try context.records(after: 0, limit: 1_000).compactMap { try? $0.decodeEvent().clientId }
                        guard !committed.contains(key), !context.batch.keys.contains(key) else { return [] }
                        context.batch.keys.insert(key)
                        return [NewEvent(sampleClient(i % 60), actor: "test")]
                    }
                }
            }
            for try await _ in group {}
        }
        let ids = try ledger.records(after: 0, limit: 1_000).compactMap { try $0.decodeEvent().clientId }
        #expect(ids.count == 60 && Set(ids).count == 60)
        #expect(try ledger.verifyChain().position == 60)
        // Group commit happened: some decisions shared a transaction with an earlier one.
        #expect(together.count > 0)
    }

    /// One decision that throws fails alone; the others of its transaction are appended, and
    /// the keys it claimed before failing are not taken as decided.
    @Test(arguments: LedgerBackendKind.allCases) func aFailingDecisionFailsAlone(_ backend: LedgerBackendKind) async throws {
        struct Refused: Error {}
        let ledger = try makeLedger(backend)
        let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<40 {
                group.addTask {
                    do {
                        _ = try await ledger.appendDeciding(grouped: true) { context in
                            let key = "C\(i)"
                            context.batch.keys.insert(key)
                            if i % 10 == 3 { throw Refused() }
                            return [NewEvent(sampleClient(i), actor: "test")]
                        }
                        return (i, true)
                    } catch is Refused {
                        return (i, false)
                    }
                }
            }
            var out: [Int: Bool] = [:]
            for try await (i, ok) in group { out[i] = ok }
            return out
        }
        #expect(results.filter { !$0.value }.keys.sorted() == [3, 13, 23, 33])
        let ids = Set(try ledger.records(after: 0, limit: 100).compactMap { try $0.decodeEvent().clientId })
        #expect(ids.count == 36 && !ids.contains("C3"))
        #expect(try ledger.verifyChain().position == 36)
    }
}
