import AvisoLedger
import Foundation
import GRDB

/// Read models fed by the HTTP server's events (migration "v2-server").
enum ServerProjection {
    /// `conversation_windows`: the last time each number wrote to us through each provider.
    /// For WhatsApp that instant opens the 24-hour customer-service window.
    static func migrateV2Server(_ db: Database) throws {
        try db.create(table: "conversation_windows") { t in
            t.column("phone", .text).notNull()
            t.column("provider", .text).notNull()
            t.column("last_inbound_at", .text).notNull()
            t.column("position", .integer).notNull()
            t.primaryKey(["phone", "provider"])
        }
    }
}

extension EventApplier {
    /// Keeps the latest inbound instant per (number, provider); a late, older callback never
    /// moves it back.
    func applyInbound(_ e: InboundMessageReceived, record: LedgerRecord, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO conversation_windows (phone, provider, last_inbound_at, position) VALUES (?, ?, ?, ?)
            ON CONFLICT(phone, provider) DO UPDATE SET
              position = CASE WHEN excluded.last_inbound_at > conversation_windows.last_inbound_at THEN excluded.position ELSE conversation_windows.position END,
              last_inbound_at = max(conversation_windows.last_inbound_at, excluded.last_inbound_at)
            """).execute(arguments: [e.from, e.provider, Timestamps.utc(e.at), Int64(record.position)])
    }
}
