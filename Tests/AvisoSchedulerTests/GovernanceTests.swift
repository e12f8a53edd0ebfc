import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Testing
@testable import AvisoScheduler

/// Wraps the dry-run dispatcher and remembers what it was asked to send.
final class RecordingDispatcher: MessageDispatching, @unchecked Sendable {
    let inner: any MessageDispatching
    private let lock = NSLock()
    private var _messages: [DueMessage] = []
    init(_ inner: any MessageDispatching) { self.inner = inner }
    var messages: [DueMessage] { lock.withLock { _messages } }
    func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult {
        lock.withLock { _messages.append(message) }
        return await inner.dispatch(message, dryRun: dryRun)
    }
}

@Suite struct GovernanceTests {
    @Test func localDateNotUTCDateAt2330AndDeferredByQuietHours() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-27")
        // 23:30 on the 25th in Guatemala is already the 26th in UTC: the local date decides (D-2, not D-1).
        let summary = try await f.run(local("2026-11-25", "23:30"))
        #expect(summary.due == 1 && summary.deferred == 1 && summary.sent == 0)
        let due = try f.stageDues
        #expect(due.count == 1 && due[0].stage == "D-2" && due[0].localDate == "2026-11-25")
        let deferred = try f.deferred
        #expect(deferred.count == 1)
        #expect(deferred[0].notBefore == local("2026-11-26", "08:00"))
        #expect(deferred[0].sendDate == "2026-11-26")
        #expect(try f.sent.isEmpty)
    }

    @Test func deferralThenDrainWhenTheWindowOpens() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-28")
        #expect(try await f.run(local("2026-11-26", "21:00")).deferred == 1)
        let head = try f.head()
        // 07:59 is still quiet: nothing moves.
        #expect(try await f.scheduler.drain(now: local("2026-11-27", "07:59"), dryRun: true) == RunSummary())
        #expect(try f.head() == head)
        // 08:00 the window opens (end exclusive): the deferred message goes out, once.
        let drained = try await f.scheduler.drain(now: local("2026-11-27", "08:00"), dryRun: true)
        #expect(drained.sent == 1)
        let sent = try f.sent
        #expect(sent.count == 1 && sent[0].messageKey == "I1|D-2|whatsapp" && sent[0].at == local("2026-11-27", "08:00"))
        #expect(try f.scheduled.first?.deferredAt == local("2026-11-26", "21:00"))
        #expect(try await f.scheduler.drain(now: local("2026-11-27", "08:01"), dryRun: true) == RunSummary())
        // The deferred message used one of the 27th's two messages; D-1 takes the second.
        let next = try await f.run(local("2026-11-27", "09:00"))
        #expect(next.due == 1 && next.sent == 1 && next.skipped.isEmpty)
    }

    @Test func paidBeforeTheWindowOpensIsNotSent() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        #expect(try await f.run(local("2026-11-26", "20:30")).deferred == 1)
        try await f.store.append(.installmentPaid(InstallmentPaid(installmentId: "I1", clientId: "C1", paidOn: "2026-11-26")), actor: "test")
        let drained = try await f.scheduler.drain(now: local("2026-11-27", "08:30"), dryRun: true)
        #expect(drained.sent == 0 && drained.skipped == ["paid": 1])
        #expect(try f.sent.isEmpty)
        #expect(try f.logStatus("I1|D0|whatsapp") == "skipped")
    }

    @Test func deferredMessageNotDrainedOnItsDayExpires() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        #expect(try await f.run(local("2026-11-26", "22:00")).deferred == 1)
        // The server was down all of the 27th: no late reminder on the 28th.
        let late = try await f.run(local("2026-11-28", "09:00"))
        #expect(late.skipped["expired"] == 1 && late.sent == 0)
        #expect(try f.sent.isEmpty)
    }

    @Test func dailyCapCountsEveryChannelAndResetsEachLocalDay() async throws {
        let f = try Fixture()
        try await f.settings(SettingsChanged(dailyCap: 1))
        try await f.client("C1", channel: .both)
        try await f.installment("I1", client: "C1", due: "2026-11-28", loan: "L1")  // D-2 on the 26th
        let first = try await f.run(local("2026-11-26", "09:00"))
        // WhatsApp uses the cap of 1; the SMS is over it.
        #expect(first.due == 1 && first.sent == 1 && first.skipped == ["daily_cap": 1])
        #expect(try f.sent.map(\.messageKey) == ["I1|D-2|whatsapp"])
        #expect(try f.skipped.allSatisfy { $0.reason == .dailyCap && $0.installmentId == "I1" && $0.channel == .sms })
        // Next local day: a fresh cap; I1's D-2 no longer applies (D-1 does).
        let second = try await f.run(local("2026-11-27", "09:00"))
        #expect(second.due == 1 && second.sent == 1 && second.skipped == ["daily_cap": 1])
        #expect(try f.sent.map(\.messageKey).last == "I1|D-1|whatsapp")
    }

    @Test func cappedMessageIsConsideredAgainNextDayWhileItsStageApplies() async throws {
        let f = try Fixture()
        try await f.settings(SettingsChanged(dailyCap: 1))
        try await f.client("C1", channel: .sms)
        try await f.installment("I2", client: "C1", due: "2026-11-25", loan: "L2")  // D+1 on the 26th
        // A message sent by another path this morning used the day's cap.
        try await f.store.append(.messageSent(MessageSent(
            messageKey: "manual-C1", clientId: "C1", installmentId: nil, stage: "D0", channel: .sms,
            provider: "dry-run", to: "+50255550000", messageId: "m-C1", status: .accepted, dryRun: true,
            at: local("2026-11-26", "08:30"))), actor: "test")
        let first = try await f.run(local("2026-11-26", "09:00"))
        #expect(first.due == 1 && first.sent == 0 && first.skipped == ["daily_cap": 1])
        // The 27th is D+2 for I2 (no stage), but its D+1 still applies until D+3: it goes now.
        let second = try await f.run(local("2026-11-27", "09:00"))
        #expect(second.due == 0 && second.sent == 1)
        #expect(try f.sent.last?.messageKey == "I2|D+1|sms")
        #expect(try await f.run(local("2026-11-27", "10:00")) == RunSummary())
        // On the 28th D+3 is its own stage, and D+1 was sent: one message.
        let third = try await f.run(local("2026-11-28", "09:00"))
        #expect(third.due == 1 && third.sent == 1)
        #expect(try f.sent.last?.messageKey == "I2|D+3|sms")
    }

    /// Issue 10, break 3: two loans due the same day. The 24 h rule was per (client, stage), so
    /// loan B was skipped as `within_24h` at every stage; now both go, in one message.
    @Test func twoLoansDueTheSameDayAreBothRemindedInOneMessage() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-28", amount: 10_000, loan: "L1")
        try await f.installment("I2", client: "C1", due: "2026-11-28", amount: 25_000, loan: "L2")
        for (day, stage) in [("2026-11-26", "D-2"), ("2026-11-27", "D-1"), ("2026-11-28", "D0")] {
            let summary = try await f.run(local(day, "09:00"))
            #expect(summary.due == 2 && summary.sent == 1 && summary.skipped.isEmpty, "\(stage): \(summary)")
            let message = try #require(f.dispatched.last)
            #expect(message.messageKey == "I1|\(stage)|whatsapp" && message.templateStage == "VARIAS_CUOTAS")
            #expect(message.templateContext.installments?.map(\.number).count == 2)
            #expect(message.templateContext.totals == [CurrencyAmount(currency: "GTQ", minorUnits: 35_000)])
        }
        #expect(try f.skipped.isEmpty)
        #expect(try f.stageDues.count == 6)
        // Counted once against the cap (2): a third loan due that day could still go.
        #expect(try f.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM scheduled_messages") } == 3)
    }

    @Test func sameSummaryNotAgainWithin24Hours() async throws {
        let f = try Fixture()
        try await f.settings(SettingsChanged(reactivateIntervalDays: 1))
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-20")
        #expect(try await f.scheduler.reactivate(now: local("2026-11-26", "10:00"), dryRun: true).sent == 1)
        // A day later by the calendar, 23 h by the clock: the same summary waits.
        let early = try await f.scheduler.reactivate(now: local("2026-11-27", "09:00"), dryRun: true)
        #expect(early.due == 1 && early.skipped == ["within_24h": 1])
        #expect(try f.skipped.contains { $0.clientId == "C1" && $0.reason == .within24h })
        let later = try await f.scheduler.reactivate(now: local("2026-11-28", "11:00"), dryRun: true)
        #expect(later.sent == 1)
    }

    @Test func optedOutNumbersAndClientsAreSkippedWithAReason() async throws {
        let f = try Fixture()
        try await f.client("C1", phone: "5555-0001")
        try await f.client("C2", channel: .both, phone: "5555-0002")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        try await f.installment("I2", client: "C2", due: "2026-11-26")
        try await f.store.append(.optedOut(OptedOut(clientId: nil, phone: "+50255550001", channel: nil, source: "keyword:BAJA")), actor: "test")
        try await f.store.append(.optedOut(OptedOut(clientId: "C2", phone: "+50299999999", channel: .whatsapp, source: "keyword:STOP")), actor: "test")
        let summary = try await f.run(local("2026-11-26", "09:00"))
        #expect(summary.due == 2 && summary.sent == 1 && summary.skipped == ["opted_out": 2])
        #expect(try f.sent.map(\.messageKey) == ["I2|D0|sms"])
        #expect(try f.skipped.first { $0.clientId == "C1" }?.detail?.contains("0001") == true)
    }

    @Test func sameRunTwiceAppendsNothingTheSecondTime() async throws {
        let f = try Fixture()
        for i in 0..<20 {
            try await f.client("C\(i)", channel: i % 3 == 0 ? .both : .whatsapp, phone: "5555-\(1000 + i)")
            try await f.installment("I\(i)a", client: "C\(i)", due: ["2026-12-11", "2026-11-28", "2026-11-26", "2026-11-19"][i % 4])
            try await f.installment("I\(i)b", client: "C\(i)", due: "2026-11-25", loan: "L2-\(i)")
        }
        let first = try await f.run(local("2026-11-26", "09:00"))
        #expect(first.due == 40 && first.sent > 0)
        let head = try f.head()
        #expect(try await f.run(local("2026-11-26", "09:00")) == RunSummary())
        #expect(try await f.run(local("2026-11-26", "15:00")) == RunSummary())
        #expect(try f.head() == head)
        let keys = try f.sent.map(\.messageKey)
        #expect(Set(keys).count == keys.count && keys.count == first.sent)
    }

    @Test func disabledStagesAndInvalidPhones() async throws {
        let f = try Fixture()
        try await f.settings(SettingsChanged(enabledStages: ["D-2", "WEEKLY"]))
        try await f.client("C1")
        try await f.client("C2", phone: "2245-6789")  // fixed line
        try await f.installment("I1", client: "C1", due: "2026-11-26")  // D0: disabled
        try await f.installment("I2", client: "C1", due: "2026-11-12", loan: "L2")  // WEEKLY_2
        try await f.installment("I3", client: "C2", due: "2026-11-28")  // D-2, fixed line
        let summary = try await f.run(local("2026-11-26", "09:00"))
        #expect(summary.due == 2 && summary.sent == 1 && summary.skipped == ["invalid_phone:fixed_line": 1])
        #expect(try f.stageDues.map(\.stage).sorted() == ["D-2", "WEEKLY_2"])
    }
}

@Suite struct ReactivationTests {
    @Test func overdueSummaryOncePerWeek() async throws {
        let f = try Fixture()
        let recorder = RecordingDispatcher(DryRunDispatcher(store: f.store))
        let scheduler = Scheduler(store: f.store, dispatcher: recorder)
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-16", amount: 10_000, loan: "L1")
        try await f.installment("I2", client: "C1", due: "2026-10-17", amount: 20_000, loan: "L2")
        try await f.installment("I3", client: "C1", due: "2026-11-21", amount: 30_000, loan: "L3")
        try await f.installment("I4", client: "C1", due: "2026-12-20", amount: 99_000, loan: "L4")  // not overdue
        try await f.client("C2", phone: "5555-2222")
        try await f.installment("I5", client: "C2", due: "2026-12-20")
        let summary = try await scheduler.reactivate(now: local("2026-11-26", "09:00"), dryRun: true)
        #expect(summary.due == 1 && summary.sent == 1)
        let message = try #require(recorder.messages.first)
        #expect(message.stage == "REACTIVATE_OVERDUE" && message.installmentId == nil)
        #expect(message.templateContext.totals == [CurrencyAmount(currency: "GTQ", minorUnits: 60_000)])
        #expect(message.templateContext.overdueInstallments == 3)
        #expect(message.templateContext.dueDate == CalendarDate(iso: "2026-10-17"))
        #expect(message.messageKey == "client:C1|REACTIVATE_OVERDUE|2026-11-26|whatsapp")
        // Not again within 7 days, whatever the day.
        #expect(try await scheduler.reactivate(now: local("2026-11-27", "09:00"), dryRun: true) == RunSummary())
        #expect(try await scheduler.reactivate(now: local("2026-12-02", "09:00"), dryRun: true).due == 0)
        #expect(try await scheduler.reactivate(now: local("2026-12-03", "09:00"), dryRun: true).sent == 1)
    }

    @Test func pendingConfirmationNudgeAfterNDays() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2030-01-01", status: .pendingConfirmation)
        // status_since is when the ledger recorded the change (wall clock).
        let today = LocalDay(Date(), in: guatemala)
        #expect(try await f.scheduler.reactivate(now: local((today + 1).iso, "09:00"), dryRun: true).due == 0)
        let nudge = try await f.scheduler.reactivate(now: local((today + 2).iso, "09:00"), dryRun: true)
        #expect(nudge.due == 1 && nudge.sent == 1)
        #expect(try f.stageDues.last?.stage == "REACTIVATE_PENDING")
        #expect(try await f.scheduler.reactivate(now: local((today + 8).iso, "09:00"), dryRun: true).due == 0)
        #expect(try await f.scheduler.reactivate(now: local((today + 9).iso, "09:00"), dryRun: true).sent == 1)
    }

    @Test func reactivationRespectsTheDailyCapAndTriesAgainNextDay() async throws {
        let f = try Fixture()
        try await f.settings(SettingsChanged(dailyCap: 1))
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-20")  // overdue, no stage today
        try await f.store.append(.messageSent(MessageSent(
            messageKey: "manual-C1", clientId: "C1", installmentId: nil, stage: "D0", channel: .whatsapp,
            provider: "dry-run", to: "+50255551234", messageId: "m-C1", status: .accepted, dryRun: true,
            at: local("2026-11-26", "08:30"))), actor: "test")
        let capped = try await f.scheduler.reactivate(now: local("2026-11-26", "10:00"), dryRun: true)
        #expect(capped.due == 1 && capped.skipped == ["daily_cap": 1])
        let next = try await f.scheduler.reactivate(now: local("2026-11-27", "10:00"), dryRun: true)
        #expect(next.due == 1 && next.sent == 1)
    }

    /// Issue 10, break 4: an overdue client got a stage reminder (D+3, WEEKLY_n) and a
    /// REACTIVATE_OVERDUE summary on the same day. Now one message, whichever runs first.
    @Test func aStageReminderAndAnOverdueSummaryOnOneDayAreOneMessage() async throws {
        // The reminders run first: the summary is covered (the reminder lists every overdue installment).
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-23", loan: "L1")  // D+3 today
        try await f.installment("I2", client: "C1", due: "2026-11-10", loan: "L2")  // overdue, no stage today
        #expect(try await f.run(local("2026-11-26", "09:00")).sent == 1)
        let reminder = try #require(f.dispatched.last)
        #expect(reminder.templateStage == "VARIAS_CUOTAS" && reminder.templateContext.installments?.count == 2)
        let summary = try await f.scheduler.reactivate(now: local("2026-11-26", "10:00"), dryRun: true)
        #expect(summary.due == 1 && summary.sent == 0 && summary.skipped == ["covered": 1])
        #expect(try f.sent.count == 1)

        // The summary runs first: that day's overdue stage reminders are covered by it.
        let g = try Fixture()
        try await g.client("C1")
        try await g.installment("I1", client: "C1", due: "2026-11-23", loan: "L1")
        try await g.installment("I2", client: "C1", due: "2026-11-10", loan: "L2")
        #expect(try await g.scheduler.reactivate(now: local("2026-11-26", "08:30"), dryRun: true).sent == 1)
        let run = try await g.run(local("2026-11-26", "09:00"))
        #expect(run.due == 1 && run.sent == 0 && run.skipped == ["covered": 1])
        #expect(try g.sent.map(\.stage) == ["REACTIVATE_OVERDUE"])
    }
}
