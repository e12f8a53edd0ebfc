import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Testing
@testable import AvisoScheduler

/// Issue 13: an admin pauses one client. Its messages are skipped with reason `paused` (not
/// deferred: a stage missed while paused is not sent later), in runs and in the plan; other
/// clients go on; a message deferred before the pause is cancelled; resuming lets later stages go.
@Suite struct ClientPauseTests {
    func pause(_ f: Fixture, _ client: String, _ paused: Bool, _ reason: String? = nil) async throws {
        try await f.store.append(.clientPauseChanged(ClientPauseChanged(clientId: client, paused: paused, reason: reason)),
                                 actor: "user:u-admin")
    }

    @Test func pausedClientIsSkippedOthersGoOn() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.client("C2")
        try await f.installment("I1", client: "C1", due: "2026-11-28")
        try await f.installment("I2", client: "C2", due: "2026-11-28")
        try await pause(f, "C1", true, "negociando un arreglo de pago")

        let plan = try f.scheduler.plan(now: local("2026-11-26"), kind: .stages)
        let planned = try #require(plan.messages.first { $0.clientId == "C1" })
        #expect(planned.decision == .skipped && planned.reason == "paused")
        #expect(planned.detail?.contains("negociando un arreglo de pago") == true)

        let summary = try await f.run(local("2026-11-26"))
        #expect(summary.sent == 1)
        #expect(try f.sent.map(\.clientId) == ["C2"])
        let skipped = try f.skipped
        #expect(skipped.count == 1 && skipped[0].clientId == "C1" && skipped[0].reason == .paused)
        // Visible in the log: a skipped row with reason `paused` and the admin's words.
        let logged = try f.store.read { db in
            try Row.fetchOne(db, sql: "SELECT status, error_code, detail FROM notifications_log WHERE client_id = 'C1'")
        }
        #expect(logged?["status"] == "skipped" && logged?["error_code"] == "paused")
        #expect(logged?["detail"] == "negociando un arreglo de pago")
        #expect(try f.store.read { try ClientPauseRecord.current($0, clientId: "C1")?.actor } == "user:u-admin")
        #expect(try f.store.read { try ClientPauseRecord.allPaused($0).keys.sorted() } == ["C1"])

        // Resumed: the next stage goes out; the D-2 skipped while paused is not sent late.
        try await pause(f, "C1", false)
        #expect(try f.store.read { try ClientPauseRecord.current($0, clientId: "C1") } == nil)
        #expect(try f.store.read { try ClientPauseRecord.history($0, clientId: "C1").map(\.paused) } == [false, true])
        _ = try await f.run(local("2026-11-27"))
        #expect(try f.sent.filter { $0.clientId == "C1" }.map(\.messageKey) == ["I1|D-1|whatsapp"])
    }

    @Test func deferredMessageOfAPausedClientIsCancelled() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-28")
        #expect(try await f.run(local("2026-11-26", "21:00")).deferred == 1)
        try await pause(f, "C1", true, "cliente fallecido: revisar")
        _ = try await f.run(local("2026-11-27", "08:00"))
        #expect(try f.sent.isEmpty)
        let cancelled = try f.events().compactMap { if case let .scheduledMessageCancelled(e) = $0 { e } else { nil } }
        #expect(cancelled.map(\.reason) == ["paused"])
        #expect(try f.logStatus("I1|D-2|whatsapp") != "sent")
    }
}
