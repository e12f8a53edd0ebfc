import AvisoLedger
import AvisoTestSupport
import Foundation
import Synchronization
import Testing
@testable import AvisoScheduler

/// A run decides its clients in several exclusive decisions, each bounded in time (webhooks
/// wait behind the ledger's write lock while one runs). Where the bound cuts must not change
/// what is decided: one client per decision decides exactly what one decision for all does.
@Suite struct DecisionBudgetTests {
    func run(budget: Duration) async throws -> (summary: RunSummary, scheduled: [String], decisions: Int) {
        let f = try Fixture()
        for i in 1...6 {
            try await f.client("C\(i)", phone: "5555-12\(10 + i)")
            try await f.installment("I\(i)a", client: "C\(i)", due: "2026-11-26")
            if i.isMultiple(of: 2) { try await f.installment("I\(i)b", client: "C\(i)", due: "2026-11-28") }
        }
        var options = SchedulerOptions()
        options.decisionTimeBudget = budget
        let scheduler = Scheduler(store: f.store, dispatcher: DryRunDispatcher(store: f.store), options: options)
        let decisions = Mutex(0)
        let summary = try await scheduler.decideStages(now: local("2026-11-26", "09:00")) { progress in
            if progress.step == .deciding { decisions.withLock { $0 += 1 } }
        }.summary
        return (summary, try f.scheduled.map(\.messageKey).sorted(), decisions.withLock { $0 })
    }

    @Test func oneClientPerDecisionDecidesWhatOneDecisionDoes() async throws {
        let whole = try await run(budget: .seconds(60))
        let oneByOne = try await run(budget: .zero)
        #expect(whole.decisions == 1)
        #expect(oneByOne.decisions == 6)
        #expect(whole.summary == oneByOne.summary)
        #expect(whole.scheduled == oneByOne.scheduled)
        #expect(whole.scheduled.count >= 6)
    }
}
