import AvisoFakeProviders
import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoScheduler
import Foundation
import GRDB
import Testing

/// The scheduler over the real send path (`MessagingDispatcher` + `MessageSender`, no
/// provider configured: every send is a recorded dry run), with the shipped templates.
@Suite struct RealSendPathTests {
    func liveScheduler(_ f: Fixture) async throws -> Scheduler {
        try await DefaultTemplateSeed.loadIfEmpty(store: f.store)
        let sender = MessageSender(configuration: ProviderConfiguration(environment: [:])) { events in try await f.store.append(events) }
        return Scheduler.live(store: f.store, sender: sender)
    }

    @Test func remindersAreRenderedFromTheTemplatesAndRecordedAsDryRunSends() async throws {
        let f = try Fixture()
        try await f.client("C1", channel: .both)
        try await f.installment("I1", client: "C1", due: "2026-03-03")
        let summary = try await liveScheduler(f).run(now: local("2026-03-01"), dryRun: false)
        #expect(summary.due == 1 && summary.sent == 2)
        let sent = try f.sent
        #expect(Set(sent.map(\.channel)) == [.whatsapp, .sms])
        #expect(sent.allSatisfy { $0.dryRun && $0.messageId.hasPrefix("dry-run-") && $0.stage == "D-2" })
        let texts = try f.events().compactMap { if case let .messageRendered(r) = $0 { r.text } else { nil } }
        #expect(texts.count == 2 && texts.allSatisfy { $0.contains("Cliente C1") && $0.contains("Q500.00") })
    }

    @Test func anUnreachableNumberIsIgnoredOnceAndNotTakenOverByALaterRun() async throws {
        let f = try Fixture()
        try await f.client("C1", phone: "2245-6789")   // a Guatemalan fixed line: no SMS, no WhatsApp
        try await f.installment("I1", client: "C1", due: "2026-03-03")
        let first = try await liveScheduler(f).run(now: local("2026-03-01"), dryRun: false)
        #expect(first.skipped["invalid_phone:fixed_line"] == 1)
        // Another process, later the same day, with a scheduler of its own.
        let second = try await liveScheduler(f).run(now: local("2026-03-01", "11:00"), dryRun: false)
        #expect(second.due == 0 && second.skippedTotal == 0)
        let ignored = try f.events().filter { if case .ignoredInvalidPhone = $0 { true } else { false } }
        #expect(ignored.count == 1)
        #expect(try f.sent.isEmpty)
    }

    /// Issue 10, break 4: a `both` client whose WhatsApp fails with 131026 got the D-1 SMS
    /// twice, its own and the WhatsApp's fallback. Now the fallback is not sent when the same
    /// moment already has its SMS.
    @Test func aBothClientsUndeliverableWhatsAppDoesNotBringASecondSMS() async throws {
        try await withFakeWhatsApp { whatsapp in
            try await withFakeTwilio { twilio in
                let f = try Fixture()
                try await DefaultTemplateSeed.loadIfEmpty(store: f.store)
                try await f.client("C1", channel: .both)
                try await f.client("C2", channel: .whatsapp, phone: "5555-2222")
                try await f.installment("I1", client: "C1", due: "2026-03-02")
                try await f.installment("I2", client: "C2", due: "2026-03-02")
                let environment = [
                    "WHATSAPP_TOKEN": whatsapp.accessToken, "WHATSAPP_PHONE_ID": whatsapp.phoneNumberId,
                    "WHATSAPP_API_BASE": whatsapp.baseURL.absoluteString,
                    "TWILIO_ACCOUNT_SID": twilio.accountSid, "TWILIO_AUTH_TOKEN": twilio.authToken, "TWILIO_FROM": "+15005550006",
                    "TWILIO_API_BASE": twilio.baseURL.absoluteString,
                ]
                // Both WhatsApp sends: "this person can't get WhatsApp messages".
                await whatsapp.enqueue(.error(code: 131026), .error(code: 131026))
                let sender = MessageSender(configuration: ProviderConfiguration(environment: environment),
                                           transport: URLSessionTransport(timeout: .seconds(5)), whatsappMessagesPerSecond: 1000,
                                           retryPolicy: RetryPolicy(maxAttempts: 1)) { events in try await f.store.append(events) }
                let scheduler = Scheduler(store: f.store, dispatcher: MessagingDispatcher(store: f.store, sender: sender),
                                          options: { var o = SchedulerOptions(); o.dispatchConcurrency = 1; return o }())
                _ = try await scheduler.run(now: local("2026-03-01"), dryRun: false)
                let sms = await twilio.requests().filter { $0.method == "POST" }
                // C1 (both): its own D-1 SMS only. C2 (WhatsApp only): the fallback SMS.
                #expect(sms.count == 2)
                #expect(sms.filter { $0.fields["To"] == "+50255551234" }.count == 1)
                #expect(sms.filter { $0.fields["To"] == "+50255552222" }.count == 1)
                let fallbacks = try f.sent.filter { $0.fallbackOf != nil }
                #expect(fallbacks.map(\.clientId) == ["C2"])
            }
        }
    }
}
