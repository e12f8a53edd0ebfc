import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The governance rules, applied inside one exclusive decision (`appendDeciding`). It reads
/// the read models as they stand under the write lock and remembers its own decisions, which
/// are not projected until the decision commits.
///
/// For each message (one per channel; a `both` client gets two), in order:
/// 1. opted out (by client id or by E.164 number, all channels or this one) → `MessageSkipped(opted_out)`;
/// 2. the same (client, stage) decided for another installment within 24 h, or sent by anyone
///    within 24 h → `MessageSkipped(within_24h)`;
/// 3. the daily cap of the local day it would go out on (today, or the day the quiet hours
///    end) is used up → `MessageSkipped(daily_cap)` (considered again next day while its stage
///    still applies);
/// 4. quiet hours now → `MessageDeferred(notBefore: window opens)`; else `MessageScheduled`.
struct Governor {
    struct Outcome: Sendable {
        var events: [NewEvent] = []
        var messages: [DueMessage] = []
        var summary = RunSummary()
    }

    let db: Database
    let policy: Policy
    let owner: RunOwner
    let actor: String
    private(set) var outcome = Outcome()
    /// Messages counted against (client, local day): read once, then kept up to date here.
    private var capUsed: [String: Int] = [:]
    /// Subjects decided (scheduled or deferred) in this decision per (client, stage).
    private var decidedStages: [String: Set<String>] = [:]
    private var optOuts: [String: [String?]] = [:]
    private let opening: Date?
    private let sendDay: LocalDay
    private let cutoff24h: String

    init(_ db: Database, policy: Policy, owner: RunOwner, actor: String) throws {
        self.db = db
        self.policy = policy
        self.owner = owner
        self.actor = actor
        opening = policy.quiet.opening(after: policy.now, in: policy.timeZone)
        sendDay = opening.map { LocalDay($0, in: policy.timeZone) } ?? policy.today
        cutoff24h = Timestamps.utc(policy.now.addingTimeInterval(-24 * 3600))
    }

    mutating func consider(_ c: Candidate) throws {
        switch c.kind {
        case .fresh:
            // At most one StageDue per (installment, stage), ever: another run may have decided it.
            guard try !Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM stages_due WHERE subject = ? AND stage = ? LIMIT 1"),
                                     arguments: [c.subject, c.stage]).isTrue,
                  try installmentIsUnpaid(c.installmentId) else { return }
            dueStage(c)
            for channel in c.channels { try govern(c, channel) }

        case .carryOver:
            guard try installmentIsUnpaid(c.installmentId) else { return }
            let (todayStart, _) = LocalClock.bounds(of: policy.today, in: policy.timeZone)
            for channel in c.channels {
                let key = c.messageKey(channel)
                // Taken by another run since the snapshot: scheduled, or already reconsidered today.
                guard try !Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM scheduled_messages WHERE message_key = ?"),
                                         arguments: [key]).isTrue,
                      try !Bool.fetchOne(db.cachedStatement(sql: """
                          SELECT 1 FROM notifications_log WHERE client_id = ? AND installment_id = ? AND stage = ? AND channel = ?
                            AND status = 'skipped' AND error_code = 'daily_cap' AND created_at >= ? LIMIT 1
                          """), arguments: [c.clientId, c.installmentId, c.stage, channel.rawValue, Timestamps.utc(todayStart)]).isTrue
                else { continue }
                try govern(c, channel)
            }

        case .reactivation:
            guard try !Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM stages_due WHERE subject = ? AND stage = ? AND local_date = ?"),
                                     arguments: [c.subject, c.stage, c.localDate]).isTrue else { return }
            // At most once per interval: the last summary scheduled or deferred.
            if let last = try String.fetchOne(db.cachedStatement(sql: """
                SELECT max(local_date) FROM scheduled_messages WHERE client_id = ? AND stage = ? AND state IN ('scheduled', 'deferred')
                """), arguments: [c.clientId, c.stage]), let lastDay = LocalDay(iso: last),
                policy.today - lastDay < max(1, policy.settings.reactivateIntervalDays) {
                return
            }
            dueStage(c)
            for channel in c.channels { try govern(c, channel) }
        }
    }

    private mutating func dueStage(_ c: Candidate) {
        outcome.events.append(NewEvent(.stageDue(StageDue(clientId: c.clientId, installmentId: c.installmentId,
                                                          stage: c.stage, localDate: c.localDate)), actor: actor))
        outcome.summary.due += 1
    }

    private func installmentIsUnpaid(_ id: String?) throws -> Bool {
        guard let id else { return true }
        return try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM installments WHERE id = ?"), arguments: [id]) == "pending"
    }

    private mutating func govern(_ c: Candidate, _ channel: Channel) throws {
        if let detail = try optedOut(clientId: c.clientId, e164: c.e164, channel: channel) {
            skip(c, channel, .optedOut, detail)
            return
        }
        if try within24h(c) {
            skip(c, channel, .within24h, "\(c.stage) already decided or sent to this client within 24 h")
            return
        }
        let capKey = c.clientId + "|" + sendDay.iso
        let used: Int
        if let known = capUsed[capKey] { used = known } else { used = try capUsage(c.clientId, sendDay) }
        let cap = policy.settings.dailyCap
        guard used < cap else {
            capUsed[capKey] = used
            skip(c, channel, .dailyCap, "\(used) of \(cap) messages on \(sendDay.iso)")
            return
        }
        capUsed[capKey] = used + 1
        decidedStages[c.clientId + "|" + c.stage, default: []].insert(c.subject)
        let key = c.messageKey(channel)
        if let opening {
            outcome.events.append(NewEvent(.messageDeferred(MessageDeferred(
                messageKey: key, clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel,
                localDate: c.localDate, sendDate: sendDay.iso, notBefore: opening, at: policy.now, runId: owner.runId)),
                actor: actor))
            outcome.summary.deferred += 1
        } else {
            outcome.events.append(NewEvent(.messageScheduled(MessageScheduled(
                messageKey: key, clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel,
                localDate: c.localDate, sendDate: sendDay.iso, at: policy.now, runId: owner.runId, pid: owner.pid,
                host: owner.host)), actor: actor))
            outcome.messages.append(DueMessage(messageKey: key, clientId: c.clientId, installmentId: c.installmentId,
                                               stage: c.stage, channel: channel, templateContext: c.context,
                                               at: policy.now, runId: owner.runId))
        }
    }

    private mutating func skip(_ c: Candidate, _ channel: Channel, _ reason: SkipReason, _ detail: String) {
        outcome.events.append(NewEvent(.messageSkipped(MessageSkipped(
            clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel,
            reason: reason, detail: detail, at: policy.now)), actor: actor))
        outcome.summary.skip(reason.rawValue)
    }

    /// A reason when the client or its number opted out of all channels or of `channel`.
    private mutating func optedOut(clientId: String, e164: String?, channel: Channel) throws -> String? {
        let rows: [String?]
        if let known = optOuts[clientId] {
            rows = known
        } else {
            rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT channel FROM opt_outs WHERE client_id = ? OR phone = ?"),
                                    arguments: [clientId, e164 ?? ""]).map { $0["channel"] as String? }
            optOuts[clientId] = rows
        }
        guard rows.contains(where: { $0 == nil || $0 == channel.rawValue }) else { return nil }
        return "opted out" + (e164.map { " (number \(Masking.phone($0)))" } ?? "")
    }

    /// The same (client, stage) for another subject decided in the last 24 h (business time),
    /// or sent by any path in the last 24 h (when this subject has no message of its own yet).
    private func within24h(_ c: Candidate) throws -> Bool {
        if let subjects = decidedStages[c.clientId + "|" + c.stage], subjects.contains(where: { $0 != c.subject }) {
            return true
        }
        if try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM scheduled_messages WHERE client_id = ? AND stage = ? AND subject <> ?
              AND state IN ('scheduled', 'deferred') AND decided_at > ? LIMIT 1
            """), arguments: [c.clientId, c.stage, c.subject, cutoff24h]).isTrue {
            return true
        }
        guard let last = try String.fetchOne(db.cachedStatement(sql: "SELECT last_sent_at FROM stage_sends WHERE client_id = ? AND stage = ?"),
                                             arguments: [c.clientId, c.stage]), last > cutoff24h else { return false }
        let ownMessage = try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM scheduled_messages WHERE subject = ? AND stage = ? LIMIT 1"),
                                           arguments: [c.subject, c.stage]).isTrue
        return !ownMessage
    }

    /// Messages counted against `client` on local `day`: the scheduler's decisions for that day
    /// (scheduled or deferred into it, sent or not yet) plus messages sent that day by any
    /// other path (not test sends).
    private func capUsage(_ clientId: String, _ day: LocalDay) throws -> Int {
        let decided = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM scheduled_messages WHERE client_id = ? AND send_date = ? AND state IN ('scheduled', 'deferred')
            """), arguments: [clientId, day.iso]) ?? 0
        let sent = try Int.fetchOne(db.cachedStatement(sql: "SELECT count FROM daily_counts WHERE client_id = ? AND local_date = ?"),
                                    arguments: [clientId, day.iso]) ?? 0
        guard sent > 0 else { return decided }
        let (start, end) = LocalClock.bounds(of: day, in: policy.timeZone)
        let other = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM notifications_log n WHERE n.client_id = ? AND n.created_at >= ? AND n.created_at < ?
              AND n.message_id IS NOT NULL AND n.test = 0
              AND NOT EXISTS (SELECT 1 FROM scheduled_messages s WHERE s.message_key = n.message_key)
            """), arguments: [clientId, Timestamps.utc(start), Timestamps.utc(end)]) ?? 0
        return decided + other
    }
}
