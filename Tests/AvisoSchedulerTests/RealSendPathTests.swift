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
        return Scheduler.live(store: f.store, sender: sender, configuration: ProviderConfiguration(environment: [:]))
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
}
