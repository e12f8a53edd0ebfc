import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The governance rules, applied inside one exclusive decision (`appendDeciding`), or in a
/// read transaction for a plan (`Scheduler.plan`). It reads the read models as they stand and
/// remembers its own decisions, which are not projected until the decision commits.
///
/// A client's candidates are decided together (`consider(client:)`):
/// - Reminders: every installment at a stage today (and any held back by an earlier day's
///   cap) goes into ONE message per channel, which lists them all and the client's other
///   overdue installments (`ReminderContext`), counted once against the daily cap.
///   For each channel, in order:
///   0. sending to the client paused by an admin (`ClientPauseChanged`) → `MessageSkipped(paused)` per item;
///   1. opted out (by client id or by E.164 number, all channels or this one) → `MessageSkipped(opted_out)` per item;
///   2. the same (installment, stage, channel) decided within 24 h → that item `MessageSkipped(within_24h)`;
///   3. an overdue summary already decided for today → the overdue items are `MessageSkipped(covered)`;
///   4. the daily cap of the local day it would go out on is used up → `MessageSkipped(daily_cap)` per item
///      (considered again next day while its stage still applies);
///   5. quiet hours now → `MessageDeferred(notBefore: window opens)`; else `MessageScheduled`.
/// - Summaries: REACTIVATE_OVERDUE on a day the client gets a reminder is `MessageSkipped(covered)`
///   (the reminder lists every overdue installment with the total owed); otherwise the
///   same opt-out, 24 h, cap and quiet-hour rules, at most once per interval.
struct Governor {
    struct Outcome: Sendable {
        var events: [NewEvent] = []
        var messages: [DueMessage] = []
        var summary = RunSummary()
        var plan: [PlannedMessage] = []
    }

    let db: Database
    let policy: Policy
    let owner: RunOwner
    let actor: String
    private(set) var outcome = Outcome()
    /// Messages counted against (client, local day): read once, then kept up to date here.
    private var capUsed: [String: Int] = [:]
    /// Item keys decided (scheduled or deferred) in this decision.
    private var decidedItems: Set<String> = []
    /// Clients given a reminder, and an overdue summary, in this decision.
    private var remindedClients: Set<String> = []
    private var summarisedClients: Set<String> = []
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

    /// Decides one client's candidates (all of one client, as `Candidates.ordered` sorts them).
    mutating func consider(client candidates: [Candidate]) throws {
        let reminders = candidates.filter { $0.kind != .reactivation }
        if !reminders.isEmpty { try considerReminders(reminders) }
        for summary in candidates where summary.kind == .reactivation { try considerSummary(summary) }
    }

    private mutating func considerReminders(_ candidates: [Candidate]) throws {
        var accepted: [Candidate] = []
        for c in candidates {
            guard try installmentIsUnpaid(c.installmentId) else { continue }
            if c.kind == .fresh {
                // At most one StageDue per (installment, stage), ever: another run may have decided it.
                guard try !Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM stages_due WHERE subject = ? AND stage = ? LIMIT 1"),
                                         arguments: [c.subject, c.stage]).isTrue else { continue }
                dueStage(c)
            }
            accepted.append(c)
        }
        guard let client = accepted.first?.client else { return }
        let overdueNow = try InstallmentFacts.overdue(db, clientId: client.id, before: policy.today)
        let summaryToday = try summaryDecidedToday(client.id)
        let pause = try ClientPauseRecord.current(db, clientId: client.id)
        let (todayStart, _) = LocalClock.bounds(of: policy.today, in: policy.timeZone)
        for channel in [Channel.whatsapp, .sms] where accepted.contains(where: { $0.channels.contains(channel) }) {
            var items: [Candidate] = []
            for c in accepted where c.channels.contains(channel) {
                if c.kind == .carryOver {
                    // Taken by another run since the snapshot, or already reconsidered today.
                    let key = c.messageKey(channel)
                    guard try !Self.itemTaken(db, itemKey: key), !decidedItems.contains(key),
                          try !Bool.fetchOne(db.cachedStatement(sql: """
                              SELECT 1 FROM notifications_log WHERE client_id = ? AND installment_id = ? AND stage = ? AND channel = ?
                                AND status = 'skipped' AND error_code = 'daily_cap' AND created_at >= ? LIMIT 1
                              """), arguments: [c.clientId, c.installmentId, c.stage, channel.rawValue, Timestamps.utc(todayStart)]).isTrue
                    else { continue }
                }
                items.append(c)
            }
            guard !items.isEmpty else { continue }
            if let pause {
                for c in items { skip(c, channel, .paused, Self.pauseDetail(pause)) }
                continue
            }
            if let detail = try optedOut(clientId: client.id, e164: items[0].e164, channel: channel) {
                for c in items { skip(c, channel, .optedOut, detail) }
                continue
            }
            items = try items.filter { c in
                guard try within24h(c, channel) else { return true }
                skip(c, channel, .within24h, "\(c.stage) of this installment already decided within 24 h")
                return false
            }
            if summaryToday {
                items = items.filter { c in
                    guard (StagePlan.offset(of: c.stage) ?? 0) > 0 else { return true }
                    skip(c, channel, .covered, "today's overdue summary already lists this installment")
                    return false
                }
            }
            guard let primary = items.first else { continue }
            guard try takeCap(client.id) != nil else {
                for c in items { skip(c, channel, .dailyCap, capDetail(client.id)) }
                continue
            }
            let stageItems = items.compactMap(\.item)
            let others = overdueNow.filter { o in !stageItems.contains { $0.installment.id == o.id } }
            let message = ReminderContext.reminder(client: client, items: stageItems, otherOverdue: others, day: policy.today)
            let covers = items.dropFirst().compactMap { c in c.installmentId.map { CoveredItem(installmentId: $0, stage: c.stage) } }
            for c in items { decidedItems.insert(c.messageKey(channel)) }
            remindedClients.insert(client.id)
            decide(primary, channel, message: message, covers: covers)
        }
    }

    private mutating func considerSummary(_ c: Candidate) throws {
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
        if c.stage == StagePlan.reactivateOverdue, try reminderDecidedToday(c.clientId) {
            for channel in c.channels { skip(c, channel, .covered, "today's reminder already lists every overdue installment and the total owed") }
            return
        }
        let pause = try ClientPauseRecord.current(db, clientId: c.clientId)
        for channel in c.channels {
            if let pause {
                skip(c, channel, .paused, Self.pauseDetail(pause))
                continue
            }
            if let detail = try optedOut(clientId: c.clientId, e164: c.e164, channel: channel) {
                skip(c, channel, .optedOut, detail)
                continue
            }
            if try within24h(c, channel) {
                skip(c, channel, .within24h, "\(c.stage) already decided for this client within 24 h")
                continue
            }
            guard try takeCap(c.clientId) != nil else {
                skip(c, channel, .dailyCap, capDetail(c.clientId))
                continue
            }
            decidedItems.insert(c.messageKey(channel))
            if c.stage == StagePlan.reactivateOverdue { summarisedClients.insert(c.clientId) }
            let context = ReminderContext.summary(client: c.client, stage: c.stage, installments: c.summary, day: policy.today)
            decide(c, channel, message: ReminderContext.Message(templateStage: c.stage, context: context), covers: [])
        }
    }

    /// Counts one message against the client's cap of the day it goes out on; nil when the cap is used up.
    private mutating func takeCap(_ clientId: String) throws -> String? {
        let capKey = clientId + "|" + sendDay.iso
        let used: Int
        if let known = capUsed[capKey] { used = known } else { used = try capUsage(clientId, sendDay) }
        guard used < policy.settings.dailyCap else {
            capUsed[capKey] = used
            return nil
        }
        capUsed[capKey] = used + 1
        return capKey
    }

    private func capDetail(_ clientId: String) -> String {
        let used = capUsed[clientId + "|" + sendDay.iso] ?? 0
        return "\(used) of \(policy.settings.dailyCap) messages on \(sendDay.iso)"
    }

    /// Records the decision for `c`'s message on `channel`: deferred in quiet hours, else scheduled to go now.
    private mutating func decide(_ c: Candidate, _ channel: Channel, message: ReminderContext.Message, covers: [CoveredItem]) {
        let key = c.messageKey(channel)
        let coverList = covers.isEmpty ? nil : covers
        if let opening {
            outcome.events.append(NewEvent(.messageDeferred(MessageDeferred(
                messageKey: key, clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel,
                localDate: c.localDate, sendDate: sendDay.iso, notBefore: opening, at: policy.now, runId: owner.runId,
                covers: coverList)), actor: actor))
            outcome.summary.deferred += 1
            outcome.plan.append(PlannedMessage(c, channel, decision: .deferred, templateStage: message.templateStage,
                                               covers: covers.count, notBefore: opening))
        } else {
            outcome.events.append(NewEvent(.messageScheduled(MessageScheduled(
                messageKey: key, clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel,
                localDate: c.localDate, sendDate: sendDay.iso, at: policy.now, runId: owner.runId, pid: owner.pid,
                host: owner.host, covers: coverList)), actor: actor))
            outcome.messages.append(DueMessage(messageKey: key, clientId: c.clientId, installmentId: c.installmentId,
                                               stage: c.stage, channel: channel, templateContext: message.context,
                                               at: policy.now, runId: owner.runId, templateStage: message.templateStage))
            outcome.plan.append(PlannedMessage(c, channel, decision: .send, templateStage: message.templateStage, covers: covers.count))
        }
    }

    /// The skip's detail for a paused client: the admin's own words (required when pausing).
    static func pauseDetail(_ pause: ClientPauseRecord) -> String {
        pause.reason ?? "paused by an admin"
    }

    private func installmentIsUnpaid(_ id: String?) throws -> Bool {
        guard let id else { return true }
        return try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM installments WHERE id = ?"), arguments: [id]) == "pending"
    }

    private mutating func skip(_ c: Candidate, _ channel: Channel, _ reason: SkipReason, _ detail: String) {
        outcome.events.append(NewEvent(.messageSkipped(MessageSkipped(
            clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel,
            reason: reason, detail: detail, at: policy.now)), actor: actor))
        outcome.summary.skip(reason.rawValue)
        outcome.plan.append(PlannedMessage(c, channel, decision: .skipped, reason: reason.rawValue, detail: detail))
    }

    private mutating func dueStage(_ c: Candidate) {
        outcome.events.append(NewEvent(.stageDue(StageDue(clientId: c.clientId, installmentId: c.installmentId,
                                                          stage: c.stage, localDate: c.localDate)), actor: actor))
        outcome.summary.due += 1
    }

    /// Whether a message already covers this item (decided by any run, in any message).
    static func itemTaken(_ db: Database, itemKey: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM message_items WHERE item_key = ?"), arguments: [itemKey]).isTrue
    }

    /// A stage reminder goes (or went) to the client today.
    private func reminderDecidedToday(_ clientId: String) throws -> Bool {
        if remindedClients.contains(clientId) { return true }
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM scheduled_messages WHERE client_id = ? AND send_date = ? AND state IN ('scheduled', 'deferred')
              AND stage NOT IN ('\(StagePlan.reactivatePending)', '\(StagePlan.reactivateOverdue)') LIMIT 1
            """), arguments: [clientId, sendDay.iso]).isTrue
    }

    /// An overdue summary goes (or went) to the client today.
    private func summaryDecidedToday(_ clientId: String) throws -> Bool {
        if summarisedClients.contains(clientId) { return true }
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM scheduled_messages WHERE client_id = ? AND send_date = ? AND state IN ('scheduled', 'deferred')
              AND stage = '\(StagePlan.reactivateOverdue)' LIMIT 1
            """), arguments: [clientId, sendDay.iso]).isTrue
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

    /// The same (installment or summary, stage, channel) decided by another message in the
    /// last 24 h (business time): the 24 h rule, per installment, whichever message carried it.
    private func within24h(_ c: Candidate, _ channel: Channel) throws -> Bool {
        let key = c.messageKey(channel)
        if decidedItems.contains(key) { return true }
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM message_items WHERE subject = ? AND stage = ? AND channel = ? AND item_key <> ? AND decided_at > ? LIMIT 1
            """), arguments: [c.subject, c.stage, channel.rawValue, key, cutoff24h]).isTrue
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
