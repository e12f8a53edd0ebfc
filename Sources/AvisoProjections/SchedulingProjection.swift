import AvisoLedger
import Foundation
import GRDB

/// Read models fed by the scheduler's governance events (migration "v2-scheduling").
public enum SchedulingProjection {
    /// `scheduled_messages`: one row per message the scheduler decided to send (now or after
    /// the quiet hours), with the run that owns it. The scheduler reads it under the ledger's
    /// write lock for the daily cap (`send_date`), the 24 h rule (`decided_at`), deferred
    /// messages to drain (`state = 'deferred'`) and sends left behind by a dead run.
    static func migrateV2Scheduling(_ db: Database) throws {
        try db.create(table: "scheduled_messages") { t in
            t.primaryKey("message_key", .text)
            // The installment id, or `client:<id>` for a reactivation summary.
            t.column("subject", .text).notNull()
            t.column("client_id", .text).notNull()
            t.column("installment_id", .text)
            t.column("stage", .text).notNull()
            t.column("channel", .text).notNull()
            // Local day it was decided on, and local day it goes out on (the cap it counts against).
            t.column("local_date", .text).notNull()
            t.column("send_date", .text).notNull()
            // scheduled, deferred, cancelled
            t.column("state", .text).notNull()
            // Business time of the decision (UTC text), and when a deferred one may go.
            t.column("decided_at", .text).notNull()
            t.column("not_before", .text)
            t.column("run_id", .text).notNull()
            t.column("pid", .integer)
            t.column("host", .text)
            // Ledger (wall-clock) time of the last decision about it: the ownership lease.
            t.column("recorded_at", .text).notNull()
            t.column("position", .integer).notNull()
        }
        try db.create(index: "scheduled_messages_cap", on: "scheduled_messages", columns: ["client_id", "send_date"])
        try db.create(index: "scheduled_messages_stage", on: "scheduled_messages", columns: ["client_id", "stage"])
        try db.create(index: "scheduled_messages_deferred", on: "scheduled_messages", columns: ["state", "not_before"])
        try db.create(index: "scheduled_messages_day", on: "scheduled_messages", columns: ["state", "local_date"])
        // Opt-outs are looked up by client as well as by number.
        try db.create(index: "opt_outs_client", on: "opt_outs", columns: ["client_id"])
    }

    static func subject(clientId: String?, installmentId: String?) -> String {
        installmentId ?? "client:\(clientId ?? "")"
    }

    /// Keys sorted: Foundation's encoder on Linux writes an object's keys in hash order, which
    /// changes from one process to the next, so the same event gave a different text to each
    /// process that projected it (and `aviso verify` saw the replay differ).
    static func coversJSON(_ covers: [CoveredItem]?) -> String? {
        guard let covers, !covers.isEmpty, let data = try? coversEncoder.encode(covers) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private static let coversEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// The items a `scheduled_messages.covers` value names.
    public static func covers(fromJSON text: String?) -> [CoveredItem] {
        guard let text, let items = try? JSONDecoder().decode([CoveredItem].self, from: Data(text.utf8)) else { return [] }
        return items
    }
}

extension EventApplier {
    func applyScheduled(_ e: MessageScheduled, record: LedgerRecord, _ db: Database) throws {
        // A drained or reclaimed message keeps its first decision time and cap day.
        try db.cachedStatement(sql: """
            INSERT INTO scheduled_messages (message_key, subject, client_id, installment_id, stage, channel, local_date,
              send_date, state, decided_at, not_before, run_id, pid, host, recorded_at, position, covers)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, NULL, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET state = 'scheduled', run_id = excluded.run_id, pid = excluded.pid,
              host = excluded.host, recorded_at = excluded.recorded_at, position = excluded.position
            """).execute(arguments: [
                e.messageKey, SchedulingProjection.subject(clientId: e.clientId, installmentId: e.installmentId),
                e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue, e.localDate, e.sendDate,
                Timestamps.utc(e.at), e.runId, e.pid, e.host, Timestamps.utc(record.time), Int64(record.position),
                SchedulingProjection.coversJSON(e.covers),
            ])
        try recordItems(key: e.messageKey, clientId: e.clientId, installmentId: e.installmentId, stage: e.stage,
                        channel: e.channel, covers: e.covers, at: e.at, db)
        // A deferred message's row moves on.
        try db.cachedStatement(sql: """
            UPDATE notifications_log SET status = 'scheduled', updated_at = ? WHERE message_key = ? AND status = 'deferred'
            """).execute(arguments: [Timestamps.utc(e.at), e.messageKey])
    }

    func applyDeferred(_ e: MessageDeferred, record: LedgerRecord, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO scheduled_messages (message_key, subject, client_id, installment_id, stage, channel, local_date,
              send_date, state, decided_at, not_before, run_id, pid, host, recorded_at, position, covers)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'deferred', ?, ?, ?, NULL, NULL, ?, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET state = 'deferred', not_before = excluded.not_before,
              send_date = excluded.send_date, run_id = excluded.run_id, pid = NULL, host = NULL,
              recorded_at = excluded.recorded_at, position = excluded.position
            """).execute(arguments: [
                e.messageKey, SchedulingProjection.subject(clientId: e.clientId, installmentId: e.installmentId),
                e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue, e.localDate, e.sendDate,
                Timestamps.utc(e.at), Timestamps.utc(e.notBefore), e.runId, Timestamps.utc(record.time), Int64(record.position),
                SchedulingProjection.coversJSON(e.covers),
            ])
        try recordItems(key: e.messageKey, clientId: e.clientId, installmentId: e.installmentId, stage: e.stage,
                        channel: e.channel, covers: e.covers, at: e.at, db)
        // Visible in the log from now on, as `deferred` until its window opens.
        let when = Timestamps.utc(e.at)
        try db.cachedStatement(sql: """
            INSERT INTO notifications_log (message_key, client_id, installment_id, stage, channel, status, status_rank,
              not_before, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'deferred', 0, ?, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET status = 'deferred', not_before = excluded.not_before,
              updated_at = excluded.updated_at
            WHERE notifications_log.status IN ('deferred', 'scheduled')
            """).execute(arguments: [e.messageKey, e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue,
                                     Timestamps.utc(e.notBefore), when, when])
    }

    /// One `message_items` row per item the message covers: its own and `covers`.
    private func recordItems(key: String, clientId: String?, installmentId: String?, stage: String, channel: Channel,
                             covers: [CoveredItem]?, at: Date, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO message_items (item_key, message_key, subject, stage, channel, client_id, decided_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item_key) DO NOTHING
            """)
        let when = Timestamps.utc(at)
        try statement.execute(arguments: [key, key, SchedulingProjection.subject(clientId: clientId, installmentId: installmentId),
                                          stage, channel.rawValue, clientId ?? "", when])
        for item in covers ?? [] {
            try statement.execute(arguments: [CoveredItem.messageKey(installmentId: item.installmentId, stage: item.stage, channel: channel),
                                              key, item.installmentId, item.stage, channel.rawValue, clientId ?? "", when])
        }
    }

    func applyCancelled(_ e: ScheduledMessageCancelled, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE scheduled_messages SET state = 'cancelled' WHERE message_key = ?")
            .execute(arguments: [e.messageKey])
        let when = Timestamps.utc(e.at)
        try db.cachedStatement(sql: """
            INSERT INTO notifications_log (message_key, client_id, installment_id, stage, channel, status, status_rank,
              error_code, detail, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'skipped', 6, ?, ?, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET status = 'skipped', status_rank = 6, error_code = excluded.error_code,
              detail = excluded.detail, updated_at = excluded.updated_at
            WHERE notifications_log.status IN ('deferred', 'scheduled')
            """).execute(arguments: [e.messageKey, e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue,
                                     e.reason, e.detail, when, when])
    }

    /// Only a message still at `rendered` becomes `unknown`; one whose result did arrive keeps it.
    /// Rank stays 0 so a reconciled status (MessageSent, a callback) still moves it forward.
    func applyUnknownOutcome(_ e: SendOutcomeUnknown, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE notifications_log SET status = 'unknown', status_rank = 0, error_code = ?, updated_at = ?
            WHERE message_key = ? AND status = 'rendered'
            """).execute(arguments: [e.reason, Timestamps.utc(e.at), e.messageKey])
    }
}

extension SchedulingProjection {
    /// Migration "v3-reminders": one message may cover several installments (`message_items`),
    /// and a deferred message is a visible `notifications_log` row until it goes out.
    static func migrateV3Reminders(_ db: Database) throws {
        // Each (installment or summary, stage, channel) a decided message covers: the 24 h rule
        // and "already taken" are per item, whichever message carried it.
        try db.create(table: "message_items") { t in
            t.primaryKey("item_key", .text)
            t.column("message_key", .text).notNull().indexed()
            t.column("subject", .text).notNull()
            t.column("stage", .text).notNull()
            t.column("channel", .text).notNull()
            t.column("client_id", .text).notNull()
            t.column("decided_at", .text).notNull()
        }
        try db.create(index: "message_items_subject", on: "message_items", columns: ["subject", "stage"])
        try db.execute(sql: """
            INSERT INTO message_items (item_key, message_key, subject, stage, channel, client_id, decided_at)
            SELECT message_key, message_key, subject, stage, channel, client_id, decided_at FROM scheduled_messages
            """)
        try db.alter(table: "scheduled_messages") { t in
            // JSON array of the other items covered (`CoveredItem`), NULL when only its own.
            t.add(column: "covers", .text)
        }
        try db.alter(table: "notifications_log") { t in
            // A deferred message: when the quiet hours let it go.
            t.add(column: "not_before", .text)
        }
    }
}
