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
}

extension EventApplier {
    func applyScheduled(_ e: MessageScheduled, record: LedgerRecord, _ db: Database) throws {
        // A drained or reclaimed message keeps its first decision time and cap day.
        try db.cachedStatement(sql: """
            INSERT INTO scheduled_messages (message_key, subject, client_id, installment_id, stage, channel, local_date,
              send_date, state, decided_at, not_before, run_id, pid, host, recorded_at, position)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, NULL, ?, ?, ?, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET state = 'scheduled', run_id = excluded.run_id, pid = excluded.pid,
              host = excluded.host, recorded_at = excluded.recorded_at, position = excluded.position
            """).execute(arguments: [
                e.messageKey, SchedulingProjection.subject(clientId: e.clientId, installmentId: e.installmentId),
                e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue, e.localDate, e.sendDate,
                Timestamps.utc(e.at), e.runId, e.pid, e.host, Timestamps.utc(record.time), Int64(record.position),
            ])
    }

    func applyDeferred(_ e: MessageDeferred, record: LedgerRecord, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO scheduled_messages (message_key, subject, client_id, installment_id, stage, channel, local_date,
              send_date, state, decided_at, not_before, run_id, pid, host, recorded_at, position)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'deferred', ?, ?, ?, NULL, NULL, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET state = 'deferred', not_before = excluded.not_before,
              send_date = excluded.send_date, run_id = excluded.run_id, pid = NULL, host = NULL,
              recorded_at = excluded.recorded_at, position = excluded.position
            """).execute(arguments: [
                e.messageKey, SchedulingProjection.subject(clientId: e.clientId, installmentId: e.installmentId),
                e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue, e.localDate, e.sendDate,
                Timestamps.utc(e.at), Timestamps.utc(e.notBefore), e.runId, Timestamps.utc(record.time), Int64(record.position),
            ])
    }

    func applyCancelled(_ e: ScheduledMessageCancelled, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE scheduled_messages SET state = 'cancelled' WHERE message_key = ?")
            .execute(arguments: [e.messageKey])
        let when = Timestamps.utc(e.at)
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO notifications_log (message_key, client_id, installment_id, stage, channel, status, status_rank,
              error_code, detail, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'skipped', 6, ?, ?, ?, ?)
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
