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
        // When each waiting status was recorded (ledger time), for expiry.
        try db.alter(table: "pending_statuses") { t in t.add(column: "recorded_at", .text) }
        try db.create(index: "pending_statuses_recorded", on: "pending_statuses", columns: ["recorded_at"])
        // What only the ledger knows is filled in on the next open (`backfillIfPending`) when
        // these read models already hold records: the keys of webhook events already in the
        // ledger, the opt-outs the v1 table dropped, and the recording time of waiting statuses.
        try db.execute(sql: """
            CREATE TABLE v3_backfill (pending INTEGER NOT NULL);
            INSERT INTO v3_backfill (pending) SELECT 1 WHERE EXISTS (SELECT 1 FROM projection_checkpoint);
            """)
    }

    /// The event types `key` gives a key to: a record of any other type needs no decoding.
    public static let keyedTypes: Set<String> = [DeliveryStatusReceived.eventType, InboundMessageReceived.eventType]

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

    /// Once after migration v3, from the records the read models already include: the keys of
    /// webhook events (so their retries are refused), the opt-outs the v1 table dropped, and
    /// the recording time of statuses already waiting, so the read models equal a fresh
    /// replay. Run by `AvisoStore` before catching up.
    static func backfillIfPending(_ writer: some DatabaseWriter, ledger: Ledger) throws {
        let pending = try writer.read { db in
            try db.tableExists("v3_backfill") && (try Bool.fetchOne(db, sql: "SELECT 1 FROM v3_backfill") ?? false)
        }
        guard pending else { return }
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM v3_backfill") ?? false else { return }
            let checkpoint = try Checkpoint.read(db).position
            let waiting = Set(try Int64.fetchAll(db, sql: "SELECT position FROM pending_statuses WHERE recorded_at IS NULL").map(UInt64.init))
            let applier = try EventApplier(db)
            try ledger.forEachRecord { record in
                guard record.position <= checkpoint else { return }
                if waiting.contains(record.position) {
                    try db.execute(sql: "UPDATE pending_statuses SET recorded_at = ? WHERE position = ?",
                                   arguments: [Timestamps.utc(record.time), Int64(record.position)])
                }
                guard [OptedOut.eventType, DeliveryStatusReceived.eventType, InboundMessageReceived.eventType].contains(record.type)
                else { return }
                let event = try record.decodeEvent()
                if case let .optedOut(e) = event {
                    try applier.applyOptOut(e, at: Timestamps.utc(record.time), db)
                } else {
                    try applier.recordSeen(event, position: record.position, db)
                }
            }
            try db.execute(sql: "DELETE FROM v3_backfill")
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
