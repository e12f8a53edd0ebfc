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
        try await f.client("C1", channel: .both)
        try await f.installment("I1", client: "C1", due: "2026-11-28", loan: "L1")  // D-2 on the 26th
        try await f.installment("I2", client: "C1", due: "2026-11-23", loan: "L2")  // D+3 on the 26th
        let first = try await f.run(local("2026-11-26", "09:00"))
        // The oldest due date first: I2 on WhatsApp and SMS uses the cap of 2; I1 is over it.
        #expect(first.due == 2 && first.sent == 2 && first.skipped == ["daily_cap": 2])
        let sent = try f.sent
        #expect(Set(sent.map(\.messageKey)) == ["I2|D+3|whatsapp", "I2|D+3|sms"])
        #expect(try f.skipped.allSatisfy { $0.reason == .dailyCap && $0.installmentId == "I1" })
        // Next local day: a fresh cap; I1's D-2 no longer applies (D-1 does).
        let second = try await f.run(local("2026-11-27", "09:00"))
        #expect(second.due == 1 && second.sent == 2 && second.skipped.isEmpty)
        #expect(try f.sent.map(\.messageKey).suffix(2).sorted() == ["I1|D-1|sms", "I1|D-1|whatsapp"])
    }

    @Test func cappedMessageIsConsideredAgainNextDayWhileItsStageApplies() async throws {
        let f = try Fixture()
        try await f.settings(SettingsChanged(dailyCap: 1))
        try await f.client("C1", channel: .sms)
        try await f.installment("I1", client: "C1", due: "2026-11-23", loan: "L1")  // D+3 on the 26th
        try await f.installment("I2", client: "C1", due: "2026-11-25", loan: "L2")  // D+1 on the 26th
        let first = try await f.run(local("2026-11-26", "09:00"))
        #expect(first.sent == 1 && first.skipped == ["daily_cap": 1])
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

    @Test func sameClientAndStageNotAgainWithin24Hours() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-28", loan: "L1")
        try await f.installment("I2", client: "C1", due: "2026-11-28", loan: "L2")
        let summary = try await f.run(local("2026-11-26", "09:00"))
        #expect(summary.due == 2 && summary.sent == 1 && summary.skipped == ["within_24h": 1])
        // A message sent by another path 23 h ago counts too; 25 h ago does not.
        try await f.client("C2", phone: "5555-2222")
        try await f.client("C3", phone: "5555-3333")
        for (client, hoursAgo) in [("C2", 23.0), ("C3", 25.0)] {
            try await f.store.append(.messageSent(MessageSent(
                messageKey: "manual-\(client)", clientId: client, installmentId: nil, stage: "D0", channel: .whatsapp,
                provider: "dry-run", to: "+50255550000", messageId: "m-\(client)", status: .accepted, dryRun: true,
                at: local("2026-11-27", "09:00").addingTimeInterval(-hoursAgo * 3600))), actor: "test")
        }
        try await f.installment("I3", client: "C2", due: "2026-11-27")
        try await f.installment("I4", client: "C3", due: "2026-11-27")
        let next = try await f.run(local("2026-11-27", "09:00"))
        // C1's two installments are both at D-1 today: again one of them; and C2's D0.
        #expect(next.skipped["within_24h"] == 2)
        #expect(try f.skipped.contains { $0.clientId == "C2" && $0.reason == .within24h })
        #expect(try f.sent.contains { $0.messageKey == "I4|D0|whatsapp" })
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
        #expect(message.templateContext.amountMinor == 60_000)
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
        try await f.installment("I1", client: "C1", due: "2026-11-23")  // D+3 today, and overdue
        #expect(try await f.run(local("2026-11-26", "09:00")).sent == 1)
        let capped = try await f.scheduler.reactivate(now: local("2026-11-26", "10:00"), dryRun: true)
        #expect(capped.due == 1 && capped.skipped == ["daily_cap": 1])
        let next = try await f.scheduler.reactivate(now: local("2026-11-27", "10:00"), dryRun: true)
        #expect(next.due == 1 && next.sent == 1)
    }
}
