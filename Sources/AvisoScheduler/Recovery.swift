import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Crash recovery and draining, in one exclusive decision.
///
/// Ownership: every `MessageScheduled` names its run (`runId`, `pid`, `host`). A message's
/// owner is gone when it ran on this host and its pid is no longer a live process (or is
/// this process under another run id). Owners on other hosts, or a pid that may have been
/// reused, are covered by leases on wall-clock ledger time (`SchedulerOptions`).
///
/// - `rendered` with no result, owner gone or `sendLease` passed → `SendOutcomeUnknown`;
///   never re-sent (at most once).
/// - `MessageScheduled` never rendered, owner gone or `decisionLease` passed → nothing was
///   sent, so this run takes it over if it is still for today (`MessageScheduled` with
///   `reclaimedFrom`, or `MessageDeferred` in quiet hours), else `ScheduledMessageCancelled(expired)`.
/// - `MessageDeferred` whose window has opened (and it is not quiet now) → `MessageScheduled`
///   (with `deferredAt`) and sent, unless paid (`cancelled: paid`), opted out, the client paused, or its send day
///   passed without a drain (`cancelled: expired`: no late reminders).
struct Recovery {
    let db: Database
    let policy: Policy
    let owner: RunOwner
    let options: SchedulerOptions
    var events: [NewEvent] = []
    var result = Scheduler.Recovered()
    private let wallNow = Date()
    private var liveness: [Int: Bool] = [:]

    init(_ db: Database, policy: Policy, owner: RunOwner, options: SchedulerOptions) throws {
        self.db = db
        self.policy = policy
        self.owner = owner
        self.options = options
    }

    mutating func run() throws {
        try markUnknown()
        try takeOverOrphans()
        try drainDeferred()
    }

    private mutating func ownerIsGone(runId: String?, pid: Int?, host: String?) -> Bool {
        guard let runId, runId != owner.runId, let pid, host == owner.host else { return false }
        if pid == owner.pid { return true }  // our pid, another run: that run is over
        if let known = liveness[pid] { return !known }
        let alive = RunOwner.processIsAlive(pid)
        liveness[pid] = alive
        return !alive
    }

    private func olderThan(_ seconds: TimeInterval, _ text: String?) -> Bool {
        guard let text, let date = Timestamps.parseUTC(text) else { return false }
        return wallNow.timeIntervalSince(date) > seconds
    }

    private mutating func markUnknown() throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT n.message_key, n.client_id, n.installment_id, n.stage, n.channel, n.provider, n.message_id, n.updated_at,
              s.run_id, s.pid, s.host
            FROM notifications_log n LEFT JOIN scheduled_messages s ON s.message_key = n.message_key
            WHERE n.status = 'rendered'
            """)
        for row in rows {
            let runId: String? = row["run_id"]
            if runId == owner.runId { continue }
            let reason: String
            if ownerIsGone(runId: runId, pid: row["pid"], host: row["host"]) {
                reason = "owner_gone"
            } else if olderThan(options.sendLease, row["updated_at"]) {
                reason = "lease_expired"
            } else {
                continue
            }
            let channel = (row["channel"] as String?).flatMap(Channel.init(rawValue:))
            let send = UnknownSend(messageKey: row["message_key"], clientId: row["client_id"], installmentId: row["installment_id"],
                                   stage: row["stage"], channel: channel, provider: row["provider"], messageId: row["message_id"])
            events.append(NewEvent(.sendOutcomeUnknown(SendOutcomeUnknown(
                messageKey: send.messageKey, clientId: send.clientId, installmentId: send.installmentId, stage: send.stage,
                channel: channel, ownerRunId: runId, reason: reason, at: policy.now)), actor: options.actor))
            result.unknown.append(send)
            result.summary.unknown += 1
        }
    }

    private mutating func takeOverOrphans() throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT s.* FROM scheduled_messages s
            WHERE s.state = 'scheduled' AND s.local_date >= ? AND s.run_id <> ?
              AND NOT EXISTS (SELECT 1 FROM notifications_log n WHERE n.message_key = s.message_key
                                AND n.status NOT IN ('deferred', 'scheduled'))
            """, arguments: [(policy.today - 1).iso, owner.runId])
        for row in rows {
            let gone = ownerIsGone(runId: row["run_id"], pid: row["pid"], host: row["host"])
            guard gone || olderThan(options.decisionLease, row["recorded_at"]) else { continue }
            let message = ScheduledRow(row)
            if message.sendDate != policy.today.iso {
                cancel(message, "expired", "decided for \(message.sendDate); its run ended before sending it")
                continue
            }
            try release(message, deferredAt: nil, reclaimedFrom: row["run_id"])
        }
    }

    private mutating func drainDeferred() throws {
        guard !policy.quiet.isQuiet(at: policy.now, in: policy.timeZone) else { return }
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM scheduled_messages WHERE state = 'deferred' AND not_before <= ? ORDER BY not_before, message_key
            """, arguments: [policy.nowText])
        for row in rows {
            let message = ScheduledRow(row)
            if message.sendDate < policy.today.iso {
                cancel(message, "expired", "its window opened on \(message.sendDate) and no run sent it that day")
                continue
            }
            try release(message, deferredAt: Timestamps.parseUTC(row["decided_at"]), reclaimedFrom: nil)
        }
    }

    /// Sends a decided message now, after checking what may have changed since its decision.
    private mutating func release(_ m: ScheduledRow, deferredAt: Date?, reclaimedFrom: String?) throws {
        if let installmentId = m.installmentId, m.covers.isEmpty,
           try String.fetchOne(db, sql: "SELECT status FROM installments WHERE id = ?", arguments: [installmentId]) == "paid" {
            cancel(m, "paid", nil)
            return
        }
        let client = try ClientInfo.fetch(db, id: m.clientId)
        let e164 = client?.e164
        let optOuts = try Row.fetchAll(db, sql: "SELECT channel FROM opt_outs WHERE client_id = ? OR phone = ?",
                                       arguments: [m.clientId, e164 ?? ""]).map { $0["channel"] as String? }
        if optOuts.contains(where: { $0 == nil || $0 == m.channel.rawValue }) {
            cancel(m, SkipReason.optedOut.rawValue, e164.map { "number \(Masking.phone($0))" })
            return
        }
        if let pause = try ClientPauseRecord.current(db, clientId: m.clientId) {
            cancel(m, SkipReason.paused.rawValue, Governor.pauseDetail(pause))
            return
        }
        guard let client, let message = try rebuild(m, client: client) else {
            cancel(m, "no_longer_due", nil)
            return
        }
        if reclaimedFrom != nil, let opening = policy.quiet.opening(after: policy.now, in: policy.timeZone) {
            events.append(NewEvent(.messageDeferred(MessageDeferred(
                messageKey: m.key, clientId: m.clientId, installmentId: m.installmentId, stage: m.stage, channel: m.channel,
                localDate: m.localDate, sendDate: m.sendDate, notBefore: opening, at: policy.now, runId: owner.runId,
                covers: m.covers.isEmpty ? nil : m.covers)),
                actor: options.actor))
            result.summary.deferred += 1
            return
        }
        events.append(NewEvent(.messageScheduled(MessageScheduled(
            messageKey: m.key, clientId: m.clientId, installmentId: m.installmentId, stage: m.stage, channel: m.channel,
            localDate: m.localDate, sendDate: m.sendDate, at: policy.now, runId: owner.runId, pid: owner.pid, host: owner.host,
            deferredAt: deferredAt, reclaimedFrom: reclaimedFrom, covers: m.covers.isEmpty ? nil : m.covers)), actor: options.actor))
        result.messages.append(DueMessage(messageKey: m.key, clientId: m.clientId, installmentId: m.installmentId, stage: m.stage,
                                          channel: m.channel, templateContext: message.context, at: policy.now, runId: owner.runId,
                                          templateStage: message.templateStage))
    }

    /// The words of a decided message, read afresh with the same builder the decision used:
    /// the installments it covers that are still unpaid, on the day it was decided.
    private func rebuild(_ m: ScheduledRow, client: ClientInfo) throws -> ReminderContext.Message? {
        let day = m.decidedAt.map { LocalDay($0, in: policy.timeZone) } ?? policy.today
        guard let installmentId = m.installmentId else {
            let installments = try Candidates.summaryInstallments(db, clientId: m.clientId, stage: m.stage, policy: policy)
            guard !installments.isEmpty else { return nil }
            let context = ReminderContext.summary(client: client, stage: m.stage, installments: installments, day: day)
            return ReminderContext.Message(templateStage: m.stage, context: context)
        }
        var items: [StageItem] = []
        for (id, stage) in [(installmentId, m.stage)] + m.covers.map({ ($0.installmentId, $0.stage) }) {
            guard try String.fetchOne(db, sql: "SELECT status FROM installments WHERE id = ?", arguments: [id]) == "pending",
                  let facts = try InstallmentFacts.fetch(db, id: id) else { continue }
            items.append(StageItem(installment: facts, stage: stage))
        }
        guard !items.isEmpty else { return nil }
        let others = try InstallmentFacts.overdue(db, clientId: m.clientId, before: day)
            .filter { o in !items.contains { $0.installment.id == o.id } }
        return ReminderContext.reminder(client: client, items: items, otherOverdue: others, day: day)
    }

    private mutating func cancel(_ m: ScheduledRow, _ reason: String, _ detail: String?) {
        events.append(NewEvent(.scheduledMessageCancelled(ScheduledMessageCancelled(
            messageKey: m.key, clientId: m.clientId, installmentId: m.installmentId, stage: m.stage, channel: m.channel,
            reason: reason, detail: detail, at: policy.now)), actor: options.actor))
        result.summary.skip(reason)
    }
}

private struct ScheduledRow {
    var key: String
    var clientId: String
    var installmentId: String?
    var stage: String
    var channel: Channel
    var localDate: String
    var sendDate: String
    var decidedAt: Date?
    var covers: [CoveredItem]

    init(_ row: Row) {
        decidedAt = (row["decided_at"] as String?).flatMap(Timestamps.parseUTC)
        covers = SchedulingProjection.covers(fromJSON: row["covers"])
        key = row["message_key"]
        clientId = row["client_id"]
        installmentId = row["installment_id"]
        stage = row["stage"]
        channel = Channel(rawValue: row["channel"] as String) ?? .whatsapp
        localDate = row["local_date"]
        sendDate = row["send_date"]
    }
}
