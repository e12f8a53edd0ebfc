import AvisoLedger
import Foundation
import GRDB

/// Read models that keep webhook ingestion idempotent and bounded, and opt-outs per
/// (number, channel) (migration "v3-ingestion").
public enum IngestionProjection {
    /// A status whose message id no `MessageSent` has named leaves `pending_statuses` this long
    /// after it was recorded (ledger time). It stays in the ledger. Three days is far beyond
    /// any race between a send's record and its first callback.
    public static let orphanLifetime: TimeInterval = 72 * 3600

    static func migrateV3Ingestion(_ db: Database) throws {
        // Every webhook status and inbound message already in the ledger, by its dedup key.
        try db.create(table: "seen_webhook_keys") { t in
            t.primaryKey("key", .text)
            t.column("position", .integer).notNull()
        }
        // `opt_outs` keyed by (number, channel): a second channel's opt-out was dropped by
        // the v1 table's primary key on the number alone. A NULL channel means every channel.
        try db.execute(sql: """
            CREATE TABLE opt_outs_by_channel (phone TEXT NOT NULL, client_id TEXT, channel TEXT, source TEXT NOT NULL, at TEXT NOT NULL);
            INSERT INTO opt_outs_by_channel (phone, client_id, channel, source, at) SELECT phone, client_id, channel, source, at FROM opt_outs;
            DROP TABLE opt_outs;
            ALTER TABLE opt_outs_by_channel RENAME TO opt_outs;
            CREATE UNIQUE INDEX opt_outs_phone_channel ON opt_outs (phone, ifnull(channel, ''));
            CREATE INDEX opt_outs_client ON opt_outs (client_id);
            """)
        // When each waiting status was recorded (ledger time), for expiry; rows from before
        // count from their received time.
        try db.alter(table: "pending_statuses") { t in t.add(column: "recorded_at", .text) }
        try db.execute(sql: "UPDATE pending_statuses SET recorded_at = received_at")
        try db.create(index: "pending_statuses_recorded", on: "pending_statuses", columns: ["recorded_at"])
        // Opt-outs the v1 table dropped are restored from the ledger on the next open (only
        // a file that had opt-outs can have lost one).
        try db.execute(sql: """
            CREATE TABLE opt_outs_rebuild (pending INTEGER NOT NULL);
            INSERT INTO opt_outs_rebuild (pending) SELECT 1 WHERE EXISTS (SELECT 1 FROM opt_outs);
            """)
    }

    /// The dedup key of a webhook event: a status is the same when provider, message id,
    /// status and provider time are; an inbound message when provider and message id are.
    /// Nil for events that are not deduplicated.
    public static func key(_ event: LedgerEvent) -> String? {
        switch event {
        case let .deliveryStatusReceived(e):
            let time = e.providerTime.map { date -> String in
                // Whole seconds; a time no webhook can produce (written before times were
                // checked) is kept as text rather than trapping on the conversion.
                let seconds = date.timeIntervalSince1970
                return seconds.isFinite && abs(seconds) < 1e15 ? String(Int64(seconds.rounded(.down))) : String(seconds)
            } ?? ""
            return ["status", e.provider, e.messageId, e.status.rawValue, time].joined(separator: "\u{1F}")
        case let .inboundMessageReceived(e):
            guard let id = e.messageId, !id.isEmpty else { return nil }
            return ["inbound", e.provider, id].joined(separator: "\u{1F}")
        default:
            return nil
        }
    }

    /// Whether a webhook event with this key is already in the ledger (read models current).
    public static func seen(_ key: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM seen_webhook_keys WHERE key = ?"), arguments: [key]) ?? false
    }

    /// Restores opt-outs the v1 table dropped, once, from every `OptedOut` the read models
    /// already include. Run by `AvisoStore` after migrating, before catching up.
    static func rebuildOptOutsIfPending(_ writer: some DatabaseWriter, ledger: Ledger) throws {
        let pending = try writer.read { db in
            try db.tableExists("opt_outs_rebuild") && (try Bool.fetchOne(db, sql: "SELECT 1 FROM opt_outs_rebuild") ?? false)
        }
        guard pending else { return }
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM opt_outs_rebuild") ?? false else { return }
            let checkpoint = try Checkpoint.read(db).position
            var applier = try EventApplier(db)
            try ledger.forEachRecord { record in
                guard record.position <= checkpoint, record.type == OptedOut.eventType,
                      case let .optedOut(e) = try record.decodeEvent() else { return }
                try applier.applyOptOut(e, at: Timestamps.utc(record.time), db)
            }
            try db.execute(sql: "DELETE FROM opt_outs_rebuild")
        }
    }
}

extension EventApplier {
    /// One row per (number, channel); the first opt-out of each stays.
    func applyOptOut(_ e: OptedOut, at: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO opt_outs (phone, client_id, channel, source, at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [e.phone, e.clientId, e.channel?.rawValue, e.source, at])
    }

    /// Remembers a webhook event's dedup key.
    func recordSeen(_ event: LedgerEvent, position: UInt64, _ db: Database) throws {
        guard let key = IngestionProjection.key(event) else { return }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO seen_webhook_keys (key, position) VALUES (?, ?)")
            .execute(arguments: [key, Int64(position)])
    }

    /// Drops waiting statuses recorded more than `orphanLifetime` before `now` (ledger time).
    /// Run for every status applied, so live and replay expire the same rows; an index seek
    /// when nothing is due.
    func expireOrphans(now: Date, _ db: Database) throws {
        let cutoff = Timestamps.utc(now.addingTimeInterval(-IngestionProjection.orphanLifetime))
        try db.cachedStatement(sql: "DELETE FROM pending_statuses WHERE recorded_at < ?").execute(arguments: [cutoff])
    }
}
