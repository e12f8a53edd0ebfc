import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import Testing
@testable import AvisoScheduler

/// Issue 13: an admin's pause. While paused a run decides and records nothing, a deferred
/// message waits, and the plan says paused; resuming lets the next run decide as usual.
@Suite struct PauseTests {
    @Test func pausedRunsRecordNothingAndDrainsWait() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.client("C2")
        try await f.installment("I1", client: "C1", due: "2026-11-28")
        try await f.installment("I2", client: "C2", due: "2026-11-29")
        // Deferred by the quiet hours before the pause.
        #expect(try await f.run(local("2026-11-26", "21:00")).deferred == 1)

        try await f.settings(SettingsChanged(paused: true, pauseReason: "revisión de cartera"))
        let head = try f.head()
        #expect(try await f.run(local("2026-11-27", "09:00")) == RunSummary())
        #expect(try await f.scheduler.reactivate(now: local("2026-11-27", "09:00"), dryRun: true) == RunSummary())
        #expect(try await f.scheduler.drain(now: local("2026-11-27", "08:00"), dryRun: true) == RunSummary())
        #expect(try f.head() == head, "nothing recorded while paused")
        #expect(f.dispatched.isEmpty)
        let plan = try f.scheduler.plan(now: local("2026-11-27", "09:00"), kind: .stages)
        #expect(plan.paused && plan.messages.isEmpty)

        try await f.settings(SettingsChanged(paused: false))
        let resumed = try await f.run(local("2026-11-27", "09:00"))
        // The deferred D-2 goes out, then the 27th's stages: I1's D-1 and I2's D-2.
        #expect(resumed.sent == 3, "\(resumed)")
        #expect(try f.sent.map(\.messageKey).sorted() == ["I1|D-1|whatsapp", "I1|D-2|whatsapp", "I2|D-2|whatsapp"])
        #expect(!(try f.scheduler.plan(now: local("2026-11-27", "09:05"), kind: .stages).paused))
    }

    @Test func oldSettingsEventsDecodeAsNotPaused() throws {
        let json = #"{"dailyCap":3}"#
        let event = try JSONDecoder().decode(SettingsChanged.self, from: Data(json.utf8))
        #expect(event.paused == nil)
        #expect(!MessagingSettings.defaults.applying(event).isPaused)
        let resumed = MessagingSettings.defaults.applying(SettingsChanged(paused: true, pauseReason: "x"))
            .applying(SettingsChanged(paused: false))
        #expect(!resumed.isPaused && resumed.pauseReason == nil)
    }
}
