import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoTestSupport
import Foundation
import GRDB
import Testing
@testable import AvisoScheduler

/// Records `MessageRendered` and then "dies": no result is ever recorded.
struct DiesAfterRender: MessageDispatching {
    let store: AvisoStore
    func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult {
        _ = try? await store.append(.messageRendered(MessageRendered(
            messageKey: message.messageKey, clientId: message.clientId, installmentId: message.installmentId,
            stage: message.stage, channel: message.channel, text: "x")), actor: "scheduler")
        return .failed
    }
}

/// "Dies" before doing anything.
struct DiesBeforeRender: MessageDispatching {
    func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult { .failed }
}

/// A process that has exited (and been reaped): its pid is free.
func deadPid() throws -> Int {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.runSerialized()
    p.waitUntilExit()
    return Int(p.processIdentifier)
}

@Suite struct RecoveryTests {
    @Test func renderedSendOfADeadRunBecomesUnknownAndIsNeverResent() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        let host = RunOwner.current().host
        let dead = Scheduler(store: f.store, dispatcher: DiesAfterRender(store: f.store),
                             owner: RunOwner(runId: "dead-run", pid: try deadPid(), host: host))
        _ = try await dead.run(now: local("2026-11-26", "09:00"), dryRun: true)
        #expect(try f.logStatus("I1|D0|whatsapp") == "rendered")
        let restart = try await f.run(local("2026-11-26", "09:05"))
        #expect(restart.unknown == 1 && restart.sent == 0 && restart.due == 0)
        #expect(try f.logStatus("I1|D0|whatsapp") == "unknown")
        #expect(try f.sent.isEmpty)
        let unknown = try f.events().compactMap { if case let .sendOutcomeUnknown(e) = $0 { e } else { nil } }
        #expect(unknown.count == 1 && unknown[0].ownerRunId == "dead-run" && unknown[0].reason == "owner_gone")
        #expect(try await f.run(local("2026-11-26", "09:10")) == RunSummary())
    }

    @Test func renderedSendOfALiveRunIsLeftAlone() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["600"]
        try sleeper.runSerialized()
        defer { kill(sleeper.processIdentifier, SIGKILL); sleeper.waitUntilExit() }
        let live = Scheduler(store: f.store, dispatcher: DiesAfterRender(store: f.store),
                             owner: RunOwner(runId: "live-run", pid: Int(sleeper.processIdentifier), host: RunOwner.current().host))
        _ = try await live.run(now: local("2026-11-26", "09:00"), dryRun: true)
        #expect(try await f.run(local("2026-11-26", "09:05")).unknown == 0)
        #expect(try f.logStatus("I1|D0|whatsapp") == "rendered")
        // Past the lease, even a live-looking owner (its pid may be reused) no longer holds it.
        var options = SchedulerOptions()
        options.sendLease = 0
        let strict = Scheduler(store: f.store, dispatcher: DryRunDispatcher(store: f.store), options: options)
        let recovered = try await strict.run(now: local("2026-11-26", "09:06"), dryRun: true)
        #expect(recovered.unknown == 1)
        #expect(try f.sent.isEmpty)
    }

    @Test func decisionOfADeadRunNeverRenderedIsTakenOverTheSameDay() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.client("C2", phone: "5555-2222")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        try await f.installment("I2", client: "C2", due: "2026-11-26")
        let host = RunOwner.current().host
        let dead = Scheduler(store: f.store, dispatcher: DiesBeforeRender(),
                             owner: RunOwner(runId: "dead-run", pid: try deadPid(), host: host))
        let first = try await dead.run(now: local("2026-11-26", "09:00"), dryRun: true)
        #expect(first.due == 2 && first.failed == 2)
        // Nothing was rendered, so nothing can have reached anyone: sending it is not a duplicate.
        let restart = try await f.run(local("2026-11-26", "09:30"))
        #expect(restart.sent == 2 && restart.unknown == 0 && restart.due == 0)
        #expect(try f.scheduled.filter { $0.reclaimedFrom == "dead-run" }.count == 2)
        #expect(try f.sent.count == 2)
    }

    @Test func decisionOfADeadRunFromAnEarlierDayExpires() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        let dead = Scheduler(store: f.store, dispatcher: DiesBeforeRender(),
                             owner: RunOwner(runId: "dead-run", pid: try deadPid(), host: RunOwner.current().host))
        _ = try await dead.run(now: local("2026-11-26", "09:00"), dryRun: true)
        // The next day it is not sent late (that day's own stage, D+1, is).
        let nextDay = try await f.run(local("2026-11-27", "09:00"))
        #expect(nextDay.skipped["expired"] == 1 && nextDay.due == 1 && nextDay.sent == 1)
        #expect(try f.sent.map(\.messageKey) == ["I1|D+1|whatsapp"])
        #expect(try f.logStatus("I1|D0|whatsapp") == "skipped")
    }
}
