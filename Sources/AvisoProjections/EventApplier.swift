import AvisoLedger
import Foundation
import GRDB

/// Applies one ledger record to the read models. Every change to a read model happens here,
/// so replaying the same records always gives the same tables.
struct EventApplier {
    private var timeZone: TimeZone

    /// True while `pending_statuses` is known to be empty: most sends then skip a lookup.
    private var noPendingStatuses: Bool

    init(_ db: Database) throws {
        timeZone = try Self.settingsTimeZone(db)
        noPendingStatuses = try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending_statuses)")!
    }

    /// Decodes and applies `record`; one this build cannot decode is noted in
    /// `undecodable_records` instead, so the projection goes on.
    mutating func apply(_ record: LedgerRecord, _ db: Database) throws {
        try apply(record, decoded: Result { try record.decodeEvent() }, db)
    }

    mutating func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        try LedgerIndex.note(record, event: try? decoded.get(), db)
        switch decoded {
        case let .success(event): try apply(record, event: event, db)
        case let .failure(error): try UndecodableRecords.note(record, error: error, db)
        }
    }

    /// Applies a record whose payload the caller already decoded (replay decodes on another thread).
    mutating func apply(_ record: LedgerRecord, event: LedgerEvent, _ db: Database) throws {
        let at = Timestamps.utc(record.time)
        switch event {
        case let .clientUpserted(e):
            try db.cachedStatement(sql: """
                INSERT INTO clients (id, name, phone, phone_country_code, advisor, preferred_channel, payment_link, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, phone = excluded.phone,
                  phone_country_code = excluded.phone_country_code, advisor = excluded.advisor,
                  preferred_channel = excluded.preferred_channel, payment_link = excluded.payment_link,
                  updated_at = excluded.updated_at
                """).execute(arguments: [e.id, e.name, e.phone, e.phoneCountryCode, e.advisor, e.preferredChannel.rawValue, e.paymentLink, at])

        case let .installmentUpserted(e):
            try db.cachedStatement(sql: """
                INSERT INTO installments (id, client_id, loan_id, number, due_date, amount_minor, currency, status, status_since, paid_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                ON CONFLICT(id) DO UPDATE SET client_id = excluded.client_id, loan_id = excluded.loan_id,
                  number = excluded.number, due_date = excluded.due_date, amount_minor = excluded.amount_minor,
                  currency = excluded.currency,
                  status_since = CASE WHEN installments.status = excluded.status THEN installments.status_since ELSE excluded.status_since END,
                  status = excluded.status
                """).execute(arguments: [e.id, e.clientIdentifier, e.loanId, e.number, e.dueDate, e.amountMinor, e.currency, e.status.rawValue, at])

        case let .installmentPaid(e):
            try db.cachedStatement(sql: """
                UPDATE installments SET status = 'paid', paid_on = ?, status_since = ? WHERE id = ? AND status <> 'paid'
                """).execute(arguments: [e.paidOn ?? String(at.prefix(10)), at, e.installmentId])

        case let .userCreated(e):
            // A login already taken keeps its first owner: the console refuses duplicates before appending.
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO users (id, login, role, name, client_id, password_hash, created_at, password_changed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [e.userId, e.login, e.role.rawValue, e.name, e.linkedClientId, e.passwordHash, at, at])

        case let .credentialChanged(e):
            try db.cachedStatement(sql: "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ? WHERE id = ?")
                .execute(arguments: [e.passwordHash, at, e.mustChange == true ? true : nil, e.userId])
            try SessionProjection.endAll(userId: e.userId, reason: "password_changed", at: at, db)

        case let .userStatusChanged(e):
            try db.cachedStatement(sql: "UPDATE users SET disabled = ? WHERE id = ?").execute(arguments: [e.disabled, e.userId])
            if e.disabled { try SessionProjection.endAll(userId: e.userId, reason: "user_disabled", at: at, db) }

        case let .sessionStarted(e):
            try SessionProjection.started(e, at: at, db)
            try LoginThrottleProjection.signedIn(e, at: at, db)

        case let .loginFailed(e):
            try LoginThrottleProjection.failed(e, record: record, at: at, db)

        case let .sessionEnded(e):
            try SessionProjection.ended(e, at: at, db)

        case let .templateChanged(e):
            try applyTemplate(e, record: record, at: at, db)

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

    private func applyTemplate(_ e: TemplateChanged, record: LedgerRecord, at: String, _ db: Database) throws {
        let previous = try Int.fetchOne(db, sql: "SELECT version FROM templates WHERE stage = ? AND channel = ?",
                                        arguments: [e.stage, e.channel.rawValue]) ?? 0
        let current = TemplateRecord(stage: e.stage, channel: e.channel.rawValue, body: e.body, whatsappName: e.whatsappName,
                                     whatsappLanguage: e.whatsappLanguage, whatsappParameters: e.whatsappParameters,
                                     version: previous + 1, updatedAt: at, updatedBy: record.actor, origin: e.origin)
        try current.save(db)
        try TemplateVersionRecord(position: Int64(record.position), stage: e.stage, channel: e.channel.rawValue,
                                  version: previous + 1, body: e.body, whatsappName: e.whatsappName,
                                  whatsappLanguage: e.whatsappLanguage, whatsappParameters: e.whatsappParameters,
                                  changedAt: at, changedBy: record.actor, origin: e.origin).insert(db)
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
        let known = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM notifications_log WHERE message_id = ? AND provider = ?
            """), arguments: [messageId, provider]) ?? false
        guard known else {
            noPendingStatuses = false
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO pending_statuses (position, provider, message_id, status, error_code, received_at, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [Int64(position), provider, messageId, status.rawValue, errorCode, at, recordedAt])
            return
        }
        try db.cachedStatement(sql: """
            UPDATE notifications_log SET status = ?, status_rank = ?, error_code = coalesce(?, error_code), updated_at = ?
            WHERE message_id = ? AND provider = ? AND status_rank < ? AND status_rank < 6
            """).execute(arguments: [status.rawValue, status.rank, errorCode, at, messageId, provider, status.rank])
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
