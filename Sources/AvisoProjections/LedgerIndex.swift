import AvisoLedger
import Foundation
import GRDB

/// `ledger_index`: one row per ledger record with what questions select it by (its client, its
/// message key and provider message id, its type and time), maintained by the projector like
/// every read model. History and the console's message timeline find positions here and read
/// only those records from the ledger, so a question costs what its answer costs, not the ledger.
public enum LedgerIndex {
    static func migrateV4(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE ledger_index (
              position INTEGER PRIMARY KEY,
              time_ms INTEGER NOT NULL,
              type TEXT NOT NULL,
              client_id TEXT,
              message_key TEXT,
              message_id TEXT
            );
            CREATE INDEX ledger_index_client ON ledger_index(client_id) WHERE client_id IS NOT NULL;
            CREATE INDEX ledger_index_message_key ON ledger_index(message_key) WHERE message_key IS NOT NULL;
            CREATE INDEX ledger_index_message_id ON ledger_index(message_id) WHERE message_id IS NOT NULL;
            CREATE INDEX ledger_index_time ON ledger_index(time_ms);
            -- Read models projected before this migration: the records up to their checkpoint are
            -- indexed by the projector's next catch-up (then the row goes).
            CREATE TABLE ledger_index_backfill (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL, last INTEGER NOT NULL);
            INSERT INTO ledger_index_backfill (id, next, last)
              SELECT 1, 1, position FROM projection_checkpoint WHERE name = 'read_models' AND position > 0;
            """)
    }

    /// Adds `record`'s row (`event` nil: a record this build cannot decode).
    static func note(_ record: LedgerRecord, event: LedgerEvent?, _ db: Database) throws {
        try note(record, event: event, into: db.cachedStatement(sql: insertSQL))
    }

    /// With `insert` prepared from `insertSQL` once by the caller: one row per record, so no
    /// per-record statement lookup.
    static func note(_ record: LedgerRecord, event: LedgerEvent?, into insert: Statement) throws {
        let links = MessageLinks.indexed(record, event: event)
        try insert.execute(arguments: [Int64(record.position), millis(record.time), record.type, links.clientId, links.messageKey, links.messageId])
    }

    static let insertSQL = """
        INSERT OR REPLACE INTO ledger_index (position, time_ms, type, client_id, message_key, message_id) VALUES (?, ?, ?, ?, ?, ?)
        """

    /// Indexes up to `limit` records projected before `ledger_index` existed. Returns how many.
    static func backfill(_ ledger: Ledger, limit: Int, _ db: Database) throws -> Int {
        guard let row = try Row.fetchOne(db, sql: "SELECT next, last FROM ledger_index_backfill") else { return 0 }
        let next = UInt64(row["next"] as Int64), last = UInt64(row["last"] as Int64)
        let records = try ledger.records(after: next - 1, limit: min(limit, Int(last - next + 1))).filter { $0.position <= last }
        for record in records { try note(record, event: try? record.decodeEvent(), db) }
        if let done = records.last?.position, done < last {
            try db.execute(sql: "UPDATE ledger_index_backfill SET next = ?", arguments: [Int64(done + 1)])
        } else {
            try db.execute(sql: "DELETE FROM ledger_index_backfill")
        }
        return records.count
    }

    /// The last position the index answers for: its projection's checkpoint, or nil while
    /// older records still wait to be indexed, or there is no index yet.
    public static func indexedThrough(_ db: Database) throws -> UInt64? {
        // Read models not yet migrated (opened read-only by a question): no index.
        guard try db.tableExists("ledger_index") else { return nil }
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ledger_index_backfill)")! { return nil }
        return try Checkpoint.read(db, projection: NamedProjection.ledgerIndex.name).position
    }

    /// The records `filter` selects, oldest first: positions from the index, the records
    /// from the ledger, plus a scan of only what lies beyond the read models' checkpoint.
    public static func history(_ filter: HistoryFilter, ledger: Ledger, _ db: Database) throws -> [LedgerRecord] {
        guard let through = try indexedThrough(db) else { return try LedgerHistory.records(ledger, matching: filter) }
        var conditions: [String] = ["position <= ?"], arguments: [any DatabaseValueConvertible] = [Int64(through)]
        var knownIds = Set<String>(), knownKeys = Set<String>()
        if let client = filter.clientId {
            // The client's events, and the status callbacks of the messages sent to it.
            conditions.append("(client_id = ? OR message_id IN (SELECT message_id FROM ledger_index WHERE client_id = ? AND type = ?))")
            arguments += [client, client, MessageSent.eventType]
            knownIds = Set(try String.fetchAll(db, sql: "SELECT message_id FROM ledger_index WHERE client_id = ? AND type = ?",
                                                arguments: [client, MessageSent.eventType]))
        }
        if let id = filter.messageId {
            // The provider id's events, and the render and send of the message that got it.
            conditions.append("""
                (message_id = ? OR message_key IN (SELECT message_key FROM ledger_index WHERE message_id = ? AND type = '\(MessageSent.eventType)'))
                """)
            arguments += [id, id]
            knownKeys = Set(try String.fetchAll(db, sql: "SELECT message_key FROM ledger_index WHERE message_id = ? AND type = ?",
                                                 arguments: [id, MessageSent.eventType]))
        }
        if let since = filter.since { conditions.append("time_ms >= ?"); arguments.append(Int64((since.timeIntervalSince1970 * 1000).rounded(.up))) }
        if let until = filter.until { conditions.append("time_ms <= ?"); arguments.append(Int64((until.timeIntervalSince1970 * 1000).rounded(.down))) }
        let positions = try Int64.fetchAll(db, sql: "SELECT position FROM ledger_index WHERE \(conditions.joined(separator: " AND ")) ORDER BY position",
                                           arguments: StatementArguments(arguments)).map(UInt64.init)
        return try ledger.records(at: positions)
            + LedgerHistory.records(ledger, matching: filter, after: through, knownMessageIds: knownIds, knownMessageKeys: knownKeys)
    }

    /// Every record about one message: those carrying its key, and (when it has one) its
    /// provider id. The caller tells the provider's callbacks apart.
    public static func message(key: String, messageId: String?, ledger: Ledger, _ db: Database) throws -> [LedgerRecord] {
        let through = try indexedThrough(db) ?? 0
        let positions = try Int64.fetchAll(db, sql: """
            SELECT position FROM ledger_index WHERE position <= ? AND (message_key = ? OR message_id = ?) ORDER BY position
            """, arguments: [Int64(through), key, messageId]).map(UInt64.init)
        var out = try ledger.records(at: positions)
        try ledger.forEachRecord(after: through) { record in
            let links = MessageLinks.indexed(record, event: try? record.decodeEvent())
            if links.messageKey == key || (messageId != nil && links.messageId == messageId) { out.append(record) }
        }
        return out
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
