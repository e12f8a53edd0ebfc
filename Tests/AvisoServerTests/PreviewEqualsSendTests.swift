import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
@testable import AvisoServer
import Foundation
import GRDB
import Testing

/// Issue 10, break 2: the preview and the real send built their values with two builders, so
/// the default WhatsApp REACTIVATE_PENDING failed with `render_error` on send while its preview
/// worked, D0's `dias` and overdue totals differed, and a WEEKLY preview of an installment not
/// yet due read "lleva 15 días de atraso". Now both go through `ReminderContext`.
@Suite struct PreviewEqualsSendTests {
    /// Every message the scheduler renders for the demo portfolio over ten weeks of daily runs
    /// (real send path, simulated provider) is rendered again through the preview at the same
    /// instant: the texts are identical, and every stage × channel is covered.
    @Test func everyRenderedReminderIsExactlyItsPreview() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        // No cap in the way: this test is about words, not governance.
        try await env.store.append(.settingsChanged(SettingsChanged(dailyCap: 50)), actor: "test")
        // Both channels for a client awaiting confirmation, so REACTIVATE_PENDING goes by SMS too.
        try await env.store.append(.clientUpserted(ClientUpserted(id: "C020", name: "Julio César Toj", phone: "4567 8901",
                                                                  phoneCountryCode: "GT", advisor: "Ana Pérez", preferredChannel: .both)),
                                   actor: "test")
        let actions = try LiveNotificationActions.make(store: env.store, configuration: ProviderConfiguration(environment: [:]))
        let zone = TimeZone(identifier: "America/Guatemala")!
        let today = LocalDay(Date(), in: zone)
        var covered: Set<String> = []
        var compared = 0
        var head = try env.store.ledger.head().position
        for offset in 0..<70 {
            let now = LocalClock.instant(today + offset, minute: 9 * 60, in: zone)
            _ = try await actions.scheduler.run(now: now, dryRun: false)
            _ = try await actions.scheduler.reactivate(now: now.addingTimeInterval(600), dryRun: false)
            _ = try env.store.catchUp()
            var rendered: [(MessageRendered, Date)] = []
            try env.store.ledger.forEachRecord(after: head) { record in
                if case let .messageRendered(r) = try record.decodeEvent() { rendered.append((r, now)) }
            }
            head = try env.store.ledger.head().position
            for (message, at) in rendered {
                let draft = try env.store.read { db in
                    try MessageDraftBuilder.build(db, clientId: message.clientId!, stageName: message.stage, channel: message.channel,
                                                  now: at)
                }
                let preview = try draft.render().text
                #expect(preview == message.text, "\(message.messageKey) on day +\(offset)")
                covered.insert("\(draft.stage.rawValue)/\(message.channel.rawValue)")
                compared += 1
            }
        }
        // No message failed to render on the way.
        let renderErrors = try env.ledgerEvents().filter {
            if case let .messageSkipped(s) = $0 { s.reason == .renderError } else { false }
        }
        #expect(renderErrors.isEmpty)
        let expected: Set<String> = Set(["D-15", "D-2", "D-1", "D0", "D+1", "D+3", "WEEKLY", "REACTIVATE_OVERDUE",
                                         "REACTIVATE_PENDING", "VARIAS_CUOTAS"].flatMap { ["\($0)/whatsapp", "\($0)/sms"] })
        #expect(expected.subtracting(covered).isEmpty, "not covered: \(expected.subtracting(covered).sorted())")
        #expect(compared > 100)
    }

    /// Every demo client, every stage, every channel: the preview renders (no missing value).
    @Test func everyStageRendersForEveryDemoClient() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let clients = try env.store.read { try String.fetchAll($0, sql: "SELECT id FROM clients ORDER BY id") }
        #expect(clients.count == 20)
        let stages = ["D-15", "D-2", "D-1", "D0", "D+1", "D+3", "WEEKLY_1", "WEEKLY_4", "REACTIVATE_PENDING", "REACTIVATE_OVERDUE",
                      "VARIAS_CUOTAS", "TEST"]
        for client in clients {
            for stage in stages {
                for channel in Channel.allCases {
                    // C017 has paid everything: nothing to remind, said in words (TEST still works).
                    if client == "C017", stage != "TEST" {
                        #expect(throws: MessageDraftError.nothingToRemind("C017")) {
                            try env.store.read { try MessageDraftBuilder.build($0, clientId: client, stageName: stage, channel: channel) }
                        }
                        continue
                    }
                    let draft = try env.store.read { try MessageDraftBuilder.build($0, clientId: client, stageName: stage, channel: channel) }
                    #expect(throws: Never.self, "\(client) \(stage) \(channel)") { _ = try draft.render() }
                }
            }
        }
    }

    @Test func aWeeklyPreviewOfAnInstallmentNotYetDueReadsAsOnThatWeek() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        // C015's only installment is due in 30 days.
        let draft = try env.store.read { try MessageDraftBuilder.build($0, clientId: "C015", stageName: "WEEKLY_2", channel: .whatsapp) }
        #expect(draft.context.days == 14 && draft.context.week == 2)
        let text = try draft.render().text
        #expect(text.contains("lleva 14 días de atraso"))
        // D0 says no number of days (there are none); the scheduler's D0 context is the same.
        let d0 = try env.store.read { try MessageDraftBuilder.build($0, clientId: "C015", stageName: "D0", channel: .whatsapp) }
        #expect(d0.context.days == nil)
    }

    @Test func overdueTotalsAreSummedPerCurrencyAndListedWhenTheyDiffer() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        for (id, currency, amount) in [("X1", "GTQ", 100_000), ("X2", "USD", 5_000), ("X3", "GTQ", 50_000)] as [(String, String, Int64)] {
            try await env.store.append(.installmentUpserted(InstallmentUpserted(
                id: id, clientId: "C001", loanId: "P-9", number: 1, dueDate: "2020-01-0\(id.last!)", amountMinor: amount,
                currency: currency, status: .pending)), actor: "test")
        }
        let draft = try env.store.read {
            try MessageDraftBuilder.build($0, clientId: "C001", stageName: "REACTIVATE_OVERDUE", channel: .sms)
        }
        #expect(draft.context.totals == [CurrencyAmount(currency: "GTQ", minorUnits: 150_000), CurrencyAmount(currency: "USD", minorUnits: 5_000)])
        let text = try draft.render().text
        #expect(text.contains("Q1,500.00 y US$50.00"))
    }
}
