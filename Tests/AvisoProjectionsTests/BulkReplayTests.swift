import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Testing

@Suite struct BulkReplayTests {
    private func indexes(_ reader: some DatabaseReader) throws -> [String] {
        try reader.read { try String.fetchAll($0, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name") }
    }

    @Test func aReplayBuildsTheIndexesAfterTheRowsAndAnalyzes() async throws {
        let directory = makeDataDirectory()
        let live = try await ReplayTests.populate(directory)
        // The indexes a projector needs while applying stay through the load; the others are
        // dropped for it and must all be back.
        #expect(!ReadModelSchema.indexesUsedWhileApplying.isEmpty)
        try Replay.rebuild(directory)
        let replayed = try DatabaseQueue(path: directory.readModels.path)
        let fresh = try DatabaseQueue()
        try ReadModelSchema.migrator.migrate(fresh)
        #expect(try indexes(replayed) == indexes(fresh))
        #expect(try ReadModelDigest.compute(replayed) == live)
        // ANALYZE ran: the planner has statistics for the rebuilt tables.
        let analyzed = try await replayed.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_stat1") ?? 0 }
        #expect(analyzed > 0)
    }

    @Test func decodingOnSeveralThreadsKeepsLogOrderAndFailuresInPlace() async throws {
        let ledger = try Ledger(directory: makeDataDirectory().ledger)
        defer { ledger.close() }
        try await ledger.append((0..<3_000).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
        let records = try ledger.records(after: 0, limit: 3_000)
        let chunk = DecodingReader.decodeAll(records) { record in
            // Every 7th record stands for one this build cannot decode.
            if record.position % 7 == 0 { throw LedgerError.corruptRecord(position: record.position, reason: "test") }
            return try record.decodeEvent()
        }
        #expect(chunk.map(\.record.position) == records.map(\.position))
        for (record, event) in chunk {
            switch event {
            case let .success(.clientUpserted(e)): #expect(record.position % 7 != 0 && e.id == "C\(record.position - 1)")
            case .success: Issue.record("unexpected event at \(record.position)")
            case .failure: #expect(record.position % 7 == 0)
            }
        }
    }
}
