import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Testing

/// Issue 9: read models made before opt-outs were kept per (number, channel) had dropped the
/// second channel's opt-out. Migration "v3-ingestion" keys the table by both and, on the next
/// open, restores what was dropped from the ledger (and dates the statuses already waiting).
@Suite struct OptOutMigrationTests {
    @Test func secondChannelOptOutDroppedByTheOldTableIsRestored() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-optout-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let directory = DataDirectory(url)
        try directory.create()
        let ledger = try Ledger(directory: directory.ledger)
        _ = try await ledger.append([
            NewEvent(.optedOut(OptedOut(clientId: nil, phone: "+50255551234", channel: .whatsapp, source: "keyword:BAJA")), actor: "webhook:whatsapp"),
            NewEvent(.optedOut(OptedOut(clientId: nil, phone: "+50255551234", channel: .sms, source: "keyword:BAJA")), actor: "webhook:twilio"),
            NewEvent(.deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.WAIT", status: .sent)),
                     actor: "webhook:whatsapp"),
        ])
        let head = try ledger.head()
        let firstAt = Timestamps.utc(try ledger.records(after: 0, limit: 1)[0].time)
        ledger.close()
        // The read models as the v2 schema left them: one row for the number, checkpoint at the head.
        let old = try DatabaseQueue(path: directory.readModels.path)
        try ReadModelSchema.migrator.migrate(old, upTo: "v2-scheduling")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO opt_outs (phone, client_id, channel, source, at) VALUES ('+50255551234', NULL, 'whatsapp', 'keyword:BAJA', ?)",
                           arguments: [firstAt])
            // A status waiting for its send, as v1 recorded it (no recording time).
            try db.execute(sql: "INSERT INTO pending_statuses (position, provider, message_id, status, error_code, received_at) VALUES (3, 'whatsapp', 'wamid.WAIT', 'sent', NULL, ?)",
                           arguments: [firstAt])
            try db.execute(sql: "INSERT INTO projection_checkpoint (name, position, hash) VALUES (?, ?, ?)",
                           arguments: [Checkpoint.legacyName, Int64(head.position), head.hash])
        }
        try old.close()

        let store = try AvisoStore(directory: directory)
        defer { store.close() }
        let rows = try store.read { try OptOutRecord.order(Column("channel")).fetchAll($0) }
        #expect(rows.map(\.channel) == ["sms", "whatsapp"])
        #expect(try store.read { try Bool.fetchOne($0, sql: "SELECT 1 FROM v3_backfill") } == nil)
        #expect(try store.read { try String.fetchOne($0, sql: "SELECT recorded_at FROM pending_statuses") } != nil)
        // And the result equals a fresh replay (opt-outs and waiting statuses alike).
        _ = try Verification.run(store)
    }
}
