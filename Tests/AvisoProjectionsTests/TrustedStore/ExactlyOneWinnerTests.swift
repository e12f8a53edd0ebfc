import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// The Elixir EventStore's test (issue 17): N processes make the same deciding append for one
/// reminder key (a `StageDue` for one installment and stage) at once. Exactly one wins; every
/// other one is told it conflicts; the ledger holds the decision once.
@Suite(.serialized) struct ExactlyOneWinnerTests {
    @Test(arguments: LedgerBackendUnderTest.allCases)
    func concurrentDecidingAppendsForOneKeyHaveExactlyOneWinner(backend: LedgerBackendUnderTest) async throws {
        let fixture = try await TrustedStoreFixture(backend, clients: 1)
        defer { fixture.cleanUp() }
        let (directory, scratch) = (fixture.directory, fixture.scratch)

        let contenders = 8
        for round in 1...3 {
            let go = scratch.appendingPathComponent("go-\(round)").path
            let key = "I-\(round)"
            let children = try (0..<contenders).map { _ in
                try RunningChild.stress(["--data", try backend.processFolder(directory), "--decide", key, "--stage", "D-2", "--start-when", go],
                                        environment: backend.environment(directory))
            }
            // All opened and waiting; then they race.
            FileManager.default.createFile(atPath: go, contents: Data())
            let results = children.map { $0.finish() }
            let won = results.filter { $0.status == 0 && $0.stdout.hasPrefix("won ") }
            let conflicted = results.filter { $0.status == 3 && $0.stdout.hasPrefix("conflict") }
            #expect(won.count == 1, "round \(round): \(results.map { "\($0.status) \($0.stdout) \($0.stderr)" })")
            #expect(conflicted.count == contenders - 1, "round \(round): \(results.map { "\($0.status) \($0.stderr)" })")

            let decisions = try backend.records(directory).filter { $0.type == "StageDue" && String(decoding: $0.payload, as: UTF8.self).contains("\"\(key)\"") }
            #expect(decisions.count == 1)
            #expect(won.first.map { $0.stdout.contains("won \(decisions.first?.position ?? 0)") } == true)
        }
        #expect(try backend.records(directory).map(\.position) == Array(1...4))
    }
}
