@testable import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Testing

/// `ledger_index` answers history questions exactly as a scan of the whole ledger does: with
/// every record projected, with records the read models have not reached yet, and for read
/// models projected before the index existed (backfilled by the next catch-up).
@Suite struct LedgerIndexTests {
    /// 30 clients, 30 sends to five of them, delivery statuses for half, and an unreadable
    /// status record (the old webhook's) for one message.
    private func mixedStore() async throws -> AvisoStore {
        let store = try AvisoStore(directory: makeDataDirectory())
        var events = (1...30).map { NewEvent(clientEvent("C\($0)"), actor: "import") }
        events += (1...30).map { NewEvent(sentEvent(key: "k\($0)", client: "C\($0 % 5 + 1)", messageId: "wamid.\($0)"), actor: "scheduler") }
        events += (1...30).filter { $0 % 2 == 0 }.map { NewEvent(statusEvent(.delivered, messageId: "wamid.\($0)"), actor: "webhook:whatsapp") }
        try await store.append(events)
        try store.ledger.appendUnchecked(type: "DeliveryStatusReceived", payload: unreadableStatusPayload(messageId: "wamid.5"))
        try store.catchUp()
        return store
    }

    private func filters(_ store: AvisoStore) throws -> [HistoryFilter] {
        let times = try store.ledger.records(after: 0, limit: 1000).map(\.time)
        return [HistoryFilter(clientId: "C1"), HistoryFilter(clientId: "C3"), HistoryFilter(clientId: "nadie"),
                HistoryFilter(messageId: "wamid.4"), HistoryFilter(messageId: "wamid.5"), HistoryFilter(messageId: "wamid.nope"),
                HistoryFilter(clientId: "C1", since: times[40]), HistoryFilter(since: times[50]), HistoryFilter(until: times[20]),
                HistoryFilter(clientId: "C2", messageId: "wamid.6"), HistoryFilter()]
    }

    private func expectIndexEqualsScan(_ store: AvisoStore) throws {
        for filter in try filters(store) {
            let scanned = try LedgerHistory.records(store.ledger, matching: filter)
            let indexed = try store.read { try LedgerIndex.history(filter, ledger: store.ledger, $0) }
            #expect(indexed.map(\.position) == scanned.map(\.position), "\(filter)")
        }
    }

    @Test func historyFromTheIndexEqualsAScanOfTheLedger() async throws {
        let store = try await mixedStore()
        defer { store.close() }
        let head = try store.ledger.head().position
        let through = try store.read { try LedgerIndex.indexedThrough($0) }
        #expect(through == head)
        // C1 gets sends k5, k10, … (client C(i % 5 + 1)): their statuses come along, and nothing else.
        let c1 = try store.read { try LedgerIndex.history(HistoryFilter(clientId: "C1"), ledger: store.ledger, $0) }
        let expected = 1 + 6 + 3 + 1
        #expect(c1.count == expected)
        try expectIndexEqualsScan(store)
    }

    @Test func recordsBeyondTheCheckpointAreFoundToo() async throws {
        let store = try await mixedStore()
        defer { store.close() }
        // Appended without projecting: the read models lag (another process's appends, read-only copies).
        try await store.ledger.append([NewEvent(statusEvent(.read, messageId: "wamid.10"), actor: "webhook:whatsapp"),
                                       NewEvent(sentEvent(key: "k99", client: "C1", messageId: "wamid.99"), actor: "scheduler"),
                                       NewEvent(statusEvent(.delivered, messageId: "wamid.99"), actor: "webhook:whatsapp")])
        #expect(try await store.projectionLag() == 3)
        let c1 = try store.read { try LedgerIndex.history(HistoryFilter(clientId: "C1"), ledger: store.ledger, $0) }
        #expect(c1.suffix(3).map(\.type) == ["DeliveryStatusReceived", "MessageSent", "DeliveryStatusReceived"])
        try expectIndexEqualsScan(store)
    }

    @Test func readModelsFromBeforeTheIndexAreBackfilledAndVerify() async throws {
        let store = try await mixedStore()
        defer { store.close() }
        let head = try store.ledger.head().position
        // What the migration leaves in read models projected by an older Aviso.
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM ledger_index")
            try db.execute(sql: "INSERT INTO ledger_index_backfill (id, next, last) VALUES (1, 1, ?)", arguments: [Int64(head)])
        }
        let pending = try store.read { try LedgerIndex.indexedThrough($0) }
        #expect(pending == nil)
        try expectIndexEqualsScan(store)   // answered by a scan meanwhile
        // A small batch: the backfill takes several steps, each its own transaction.
        let applied = try Projector(ledger: store.ledger, batchSize: 16).catchUp(store.pool)
        #expect(applied == Int(head))
        let rows = try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ledger_index") }
        #expect(rows == Int(head))
        let through = try store.read { try LedgerIndex.indexedThrough($0) }
        #expect(through == head)
        try expectIndexEqualsScan(store)
        // The backfilled index is the one a fresh replay builds.
        let report = try Verification.run(store)
        #expect(report.tables > 0)
    }
}
