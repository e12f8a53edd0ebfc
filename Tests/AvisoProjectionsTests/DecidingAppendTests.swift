import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Synchronization
import Testing

/// The deciding append writes no SQLite under the ledger's write lock.
@Suite struct DecidingAppendTests {
    final class Seen: Sendable {
        let value = Mutex<[String]>([])
        func add(_ s: String) { value.withLock { $0.append(s) } }
        func get() -> [String] { value.withLock { $0 } }
    }

    /// Holds the ledger's write lock until the read models reach the ledger's head (or 30 s
    /// pass), then appends `then`. Returns whether they got there while the lock was held.
    private func holdLock(_ store: AvisoStore, then: [NewEvent], entered: Seen) -> Task<Bool, any Error> {
        let pool = store.pool
        return Task {
            let reached = Seen()
            _ = try await store.ledger.appendDeciding { context in
                entered.add("locked")
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline {
                    if try pool.read({ try Checkpoint.read($0).position }) == context.head.position { reached.add("yes"); break }
                    usleep(5_000)
                }
                return then
            }
            return reached.get() == ["yes"]
        }
    }

    private func waitUntilLocked(_ entered: Seen) async {
        while entered.get().isEmpty { await Task.yield() }
    }

    @Test func theReadModelsCatchUpWhileAnotherAppendHoldsTheLock() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        // Committed but not projected: the deciding append has SQLite work to do first.
        try await store.ledger.append((0..<50).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
        let entered = Seen()
        let holder = holdLock(store, then: [], entered: entered)
        await waitUntilLocked(entered)
        let decided = Seen()
        try await store.appendDeciding { db in
            decided.add("clients: \(try Int.fetchOne(db, sql: "SELECT count(*) FROM clients") ?? 0)")
            return []
        }
        #expect(try await holder.value, "the catch-up waited for the ledger's write lock")
        #expect(decided.get() == ["clients: 50"])
    }

    @Test func aRecordCommittedPastTheReadModelsIsProjectedBeforeDecidingUnlessDeclaredIrrelevant() async throws {
        for ignoring in [false, true] {
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            try await store.append(clientEvent("C0"), actor: "import")
            try await store.ledger.append([NewEvent(clientEvent("C1"), actor: "import")])
            let entered = Seen()
            // Committed after the decider's catch-up and before it gets the lock.
            let holder = holdLock(store, then: [NewEvent(clientEvent("C2"), actor: "import")], entered: entered)
            await waitUntilLocked(entered)
            let decided = Seen()
            try await store.appendDeciding(unaffectedBy: { _ in ignoring }) { db in
                decided.add(try String.fetchAll(db, sql: "SELECT id FROM clients ORDER BY id").joined(separator: ","))
                return [NewEvent(clientEvent("D"), actor: "test")]
            }
            _ = try await holder.value
            // Waited for: retried after projecting it. Declared irrelevant: decided without it,
            // so nothing was projected under the lock.
            #expect(decided.get() == [ignoring ? "C0,C1" : "C0,C1,C2"])
            #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM clients") } == 4)
        }
    }
}
