import AvisoLedger
import Foundation
import GRDB

/// Applies one ledger record to the `messaging` projection's tables (`NamedProjection`). Every
/// change to them happens here, so replaying the same records always gives the same tables.
struct EventApplier: ProjectionApplier {
    private var timeZone: TimeZone

    /// True while `pending_statuses` is known to be empty: most sends then skip a lookup.
    private var noPendingStatuses: Bool

    init(_ db: Database) throws {
        timeZone = try Self.settingsTimeZone(db)
        noPendingStatuses = try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending_statuses)")!
    }

    /// A record this build cannot decode is noted in `undecodable_records` instead, so the
    /// projection goes on.
    mutating func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        switch decoded {
        case let .success(event): try apply(record, event: event, db)
        case let .failure(error): try UndecodableRecords.note(record, error: error, db)
        }
    }

    /// Applies a record whose payload the caller already decoded (replay decodes on another thread).
    mutating func apply(_ record: LedgerRecord, event: LedgerEvent, _ db: Database) throws {
        let at = Timestamps.utc(record.time)
        switch event {
        case .clientUpserted, .installmentUpserted, .installmentPaid, .userCreated, .credentialChanged,
             .userStatusChanged, .templateChanged,
             .sessionStarted, .sessionEnded, .loginFailed:
            // Other projections' tables (`NamedProjection`).
            break

        case let .settingsChanged(e):
            var settings = try MessagingSettings.current(db).applying(e)
            settings.updatedAt = at
            settings.updatedBy = record.actor
            try settings.save(db)
            try SettingsHistory.record(e, record: record, at: at, db)
            timeZone = try Self.settingsTimeZone(db)

        case let .optedOut(e):
            try applyOptOut(e, at: at, db)

        case let .stageDue(e):
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO stages_due (subject, stage, local_date, client_id, installment_id, position)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [e.installmentId ?? "client:\(e.clientId ?? "")", e.stage, e.localDate,
                                         e.clientId ?? "", e.installmentId, Int64(record.position)])

        case let .messageRendered(e):
            try db.cachedStatement(sql: """
                INSERT INTO notifications_log (message_key, client_id, installment_id, stage, channel, status, status_rank, text, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 'rendered', 0, ?, ?, ?)
                ON CONFLICT(message_key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at,
                  status = CASE WHEN notifications_log.status IN ('deferred', 'scheduled') THEN 'rendered' ELSE notifications_log.status END
                """).execute(arguments: [e.messageKey, e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue, e.text, at, at])

        case let .messageSent(e):
            try applySent(e, at: at, db)

        case let .sendFailed(e):
            let when = Timestamps.utc(e.at)
            try db.cachedStatement(sql: """
                INSERT INTO notifications_log (message_key, client_id, installment_id, stage, channel, provider, to_e164,
                  status, status_rank, error_code, detail, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'failed', 6, ?, ?, ?, ?)
                ON CONFLICT(message_key) DO UPDATE SET provider = excluded.provider, to_e164 = excluded.to_e164,
                  status = 'failed', status_rank = 6, error_code = excluded.error_code, detail = excluded.detail,
                  updated_at = excluded.updated_at
                """).execute(arguments: [e.messageKey, e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue,
                                         e.provider, e.to, e.errorCode, e.detail, when, when])

        case let .deliveryStatusReceived(e):
            let when = e.providerTime.map(Timestamps.utc) ?? at
            try recordSeen(event, position: record.position, db)
            try expireOrphans(now: record.time, db)
            if let key = e.messageKey {
                try linkStatus(e, key: key, at: when, db)
            }
            try applyStatus(provider: e.provider, messageId: e.messageId, status: e.status, errorCode: e.errorCode,
                            at: when, recordedAt: at, position: record.position, db)
            try applyWhatsAppPricing(e, localDate: Timestamps.localDate(e.providerTime ?? record.time, in: timeZone), db)

        case let .whatsappTemplateSynced(e):
            try applyWhatsAppTemplate(e, at: at, db)

        case let .whatsappAccountHealthChanged(e):
            try applyWhatsAppHealth(e, db)

        case let .ignoredInvalidPhone(e):
            let when = Timestamps.utc(e.at)
            try insertNonMessage(key: e.messageKey ?? "ignored:\(record.position)", clientId: e.clientId, installmentId: e.installmentId,
                                 stage: e.stage ?? "", channel: nil, status: "ignored_invalid_phone",
                                 reason: e.reason, detail: e.rawMasked, at: when, db)

        case let .messageSkipped(e):
            let when = Timestamps.utc(e.at)
            try insertNonMessage(key: e.messageKey ?? "skipped:\(record.position)", clientId: e.clientId, installmentId: e.installmentId,
                                 stage: e.stage, channel: e.channel?.rawValue, status: "skipped",
                                 reason: e.reason.rawValue, detail: e.detail, at: when, db)

        case let .inboundMessageReceived(e):
            try recordSeen(event, position: record.position, db)
            try applyInbound(e, record: record, db)

        case let .messageScheduled(e):
            try applyScheduled(e, record: record, db)

        case let .messageDeferred(e):
            try applyDeferred(e, record: record, db)

        case let .scheduledMessageCancelled(e):
            try applyCancelled(e, db)

        case let .sendOutcomeUnknown(e):
            try applyUnknownOutcome(e, db)

        case let .clientPauseChanged(e):
            try ClientPauseProjection.apply(e, record: record, at: at, db)

        case .unmaskedLogExported:
            // Kept in the ledger only (who exported full numbers, when, with which filters).
            break

        case .unknown:
            // Written by a newer Aviso: this build has no read model for it.
            break
        }
    }

    private mutating func applySent(_ e: MessageSent, at: String, _ db: Database) throws {
        let when = Timestamps.utc(e.at)
        try db.cachedStatement(sql: """
            INSERT INTO notifications_log (message_key, client_id, installment_id, stage, channel, provider, to_e164,
              status, status_rank, message_id, dry_run, test, fallback_of, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(message_key) DO UPDATE SET provider = excluded.provider, to_e164 = excluded.to_e164,
              status = CASE WHEN \(Self.callbackWasFirst) THEN notifications_log.status ELSE excluded.status END,
              status_rank = CASE WHEN \(Self.callbackWasFirst) THEN notifications_log.status_rank ELSE excluded.status_rank END,
              message_id = excluded.message_id,
              dry_run = excluded.dry_run, test = excluded.test, fallback_of = excluded.fallback_of,
              updated_at = excluded.updated_at
            """).execute(arguments: [e.messageKey, e.clientId ?? "", e.installmentId, e.stage, e.channel.rawValue, e.provider,
                                     e.to, e.status.rawValue, e.status.rank, e.messageId, e.dryRun, e.test, e.fallbackOf, when, when])
        // Callbacks that beat this record: apply them now, in the order they arrived.
        guard !noPendingStatuses else { return try countSend(e, db) }
        let early = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT position, status, error_code, received_at FROM pending_statuses WHERE message_id = ? AND provider = ? ORDER BY position
            """), arguments: [e.messageId, e.provider])
        if !early.isEmpty {
            for row in early {
                guard let status = DeliveryStatus(rawValue: row["status"]) else { continue }
                try applyStatus(provider: e.provider, messageId: e.messageId, status: status, errorCode: row["error_code"],
                                at: row["received_at"], recordedAt: at, position: row["position"], db)
            }
            try db.cachedStatement(sql: "DELETE FROM pending_statuses WHERE message_id = ? AND provider = ?")
                .execute(arguments: [e.messageId, e.provider])
        }
        try countSend(e, db)
    }

    /// A status callback carrying the message key reached the row first (it beat `MessageSent`).
    static let callbackWasFirst = "notifications_log.message_id = excluded.message_id AND notifications_log.status_rank > excluded.status_rank"

    /// Rate counter: messages per client per local day (the daily cap).
    private func countSend(_ e: MessageSent, _ db: Database) throws {
        guard !e.test else { return }
        try db.cachedStatement(sql: """
            INSERT INTO daily_counts (client_id, local_date, count) VALUES (?, ?, 1)
            ON CONFLICT(client_id, local_date) DO UPDATE SET count = count + 1
            """).execute(arguments: [e.clientId ?? "", Timestamps.localDate(e.at, in: timeZone)])
    }

    /// Moves a message's status forward only: late, repeated or out-of-order callbacks never
    /// take it back, and a final status (failed, undelivered) stays. Unknown ids wait.
    private mutating func applyStatus(provider: String, messageId: String, status: DeliveryStatus, errorCode: String?,
                             at: String, recordedAt: String, position: UInt64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE notifications_log SET status = ?, status_rank = ?, error_code = coalesce(?, error_code), updated_at = ?
            WHERE message_id = ? AND provider = ? AND status_rank < ? AND status_rank < 6
            """).execute(arguments: [status.rawValue, status.rank, errorCode, at, messageId, provider, status.rank])
        // Moved forward: the message is known. Most callbacks end here, with one lookup.
        guard db.changesCount == 0 else { return }
        let known = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM notifications_log WHERE message_id = ? AND provider = ?
            """), arguments: [messageId, provider]) ?? false
        guard !known else { return }  // a late or repeated status: nothing moves
        noPendingStatuses = false
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO pending_statuses (position, provider, message_id, status, error_code, received_at, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [Int64(position), provider, messageId, status.rawValue, errorCode, at, recordedAt])
    }

    /// A callback that names Aviso's message key (WhatsApp `biz_opaque_callback_data`, Twilio's
    /// `StatusCallback` query) is evidence of which send it is about: a message whose
    /// `MessageSent` was never recorded (still `rendered`, or `unknown` after a crash) gets the
    /// provider's id from it, so this status and every later one apply to it.
    private func linkStatus(_ e: DeliveryStatusReceived, key: String, at: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE notifications_log SET provider = ?, message_id = ?, to_e164 = coalesce(to_e164, ?),
              error_code = CASE WHEN status = 'unknown' THEN NULL ELSE error_code END,
              detail = CASE WHEN status = 'unknown' THEN 'outcome_from_status_callback' ELSE detail END,
              updated_at = ?
            WHERE message_key = ? AND message_id IS NULL AND status IN ('rendered', 'unknown')
            """).execute(arguments: [e.provider, e.messageId, e.recipient, at, key])
    }

    private func insertNonMessage(key: String, clientId: String?, installmentId: String?, stage: String, channel: String?,
                                  status: String, reason: String, detail: String?, at: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO notifications_log (message_key, client_id, installment_id, stage, channel, status, status_rank,
              error_code, detail, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, 6, ?, ?, ?, ?)
            """).execute(arguments: [key, clientId ?? "", installmentId, stage, channel, status, reason, detail, at, at])
    }

    private static func settingsTimeZone(_ db: Database) throws -> TimeZone {
        try MessagingSettings.current(db).zone
    }
}
