@testable import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Testing

/// A record that fails to decode (a bug, or a newer Aviso's file) stops nothing: the
/// projection notes it and goes on; verify reports it; replay applies it after a fix.
@Suite struct UndecodableRecordTests {
    @Test func theProjectionNotesItAndAppliesEverythingAround() async throws {
        let directory = try await directoryWithAnUnreadableRecord()
        let store = try AvisoStore(directory: directory)
        defer { store.close() }
        #expect(try store.read { try ClientRecord.fetchCount($0) } == 2)
        #expect(try await store.projectionLag() == 0)
        let (count, sample) = try await store.undecodableRecords()
        #expect(count == 1)
        #expect(sample.first?.position == 3)
        #expect(sample.first?.type == "DeliveryStatusReceived")
        #expect(sample.first?.error.contains("providerTime") == true, "\(sample.first?.error ?? "")")
        // Appends after it still project.
        try await store.append(clientEvent("C3"), actor: "import")
        #expect(try store.read { try ClientRecord.fetchCount($0) } == 3)

        let report = try Verification.run(store)
        #expect(report.undecodableCount == 1)
        #expect(report.head.position == 5)
        #expect(UndecodableRecords.summary(count: report.undecodableCount, first: report.undecodable.first)?.contains("aviso replay") == true)

        // History shows it, and finds it by the message's client through its raw message id.
        let all = try LedgerHistory.records(store.ledger, matching: HistoryFilter())
        #expect(all.map(\.position) == [1, 2, 3, 4, 5])
        let c1 = try LedgerHistory.records(store.ledger, matching: HistoryFilter(clientId: "C1"))
        #expect(c1.map(\.position) == [1, 2, 3])
    }

    @Test func replayAppliesItOnceABuildCanReadIt() async throws {
        let directory = try await directoryWithAnUnreadableRecord()
        // Replay with this build: the record is still noted, never silently dropped.
        try Replay.rebuild(directory)
        do {
            let store = try AvisoStore(directory: directory)
            defer { store.close() }
            #expect(try await store.undecodableRecords().count == 1)
            #expect(try store.read { try String.fetchOne($0, sql: "SELECT status FROM notifications_log WHERE message_id = 'wamid.1'") } == "accepted")
        }
        // "After a fix": a catalogue that reads the old record (here by leaving out the
        // providerTime no Date can hold). Replay applies the status it carries.
        let fixed: DecodingReader.Decode = { record in
            guard case .failure = Result(catching: { try record.decodeEvent() }) else { return try record.decodeEvent() }
            guard var object = try JSONSerialization.jsonObject(with: record.payload) as? [String: Any] else {
                throw CocoaError(.coderReadCorrupt)
            }
            object["providerTime"] = nil
            return try EventCatalogue.decode(type: record.type, version: record.schemaVersion,
                                             payload: JSONSerialization.data(withJSONObject: object))
        }
        let ledger = try Ledger(readingOnly: directory.ledger)
        defer { ledger.close() }
        let rebuilt = directory.url.appendingPathComponent("fixed.sqlite")
        _ = try Replay.build(from: ledger, into: rebuilt, decode: fixed)
        let queue = try DatabaseQueue(path: rebuilt.path)
        #expect(try await queue.read { try UndecodableRecords.count($0) } == 0)
        #expect(try await queue.read { try String.fetchOne($0, sql: "SELECT status FROM notifications_log WHERE message_id = 'wamid.1'") } == "delivered")
    }
}
