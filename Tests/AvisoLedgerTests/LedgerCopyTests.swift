@testable import AvisoLedger
import AvisoTestSupport
import Foundation
import Testing

@Suite struct LedgerCopyTests {
    private func storedValues(_ ledger: Ledger) throws -> [(UInt64, Data)] {
        var out: [(UInt64, Data)] = []
        try ledger.forEachStoredValue(chunk: 7) { out.append(($0, $1)) }
        return out
    }

    /// LMDB → PostgreSQL → LMDB gives back the very bytes (records of a type this build does not
    /// know included), so the chain and its hashes survive the trip.
    @Test func lmdbToPostgresToLmdbIsByteIdentical() async throws {
        let original = try makeLedger(.lmdb)
        try await original.append((1...40).map { NewEvent(sampleClient($0), actor: "import") })
        try original.appendRawFuture(type: "SomethingNew", version: 3, payload: #"{"x":1}"#)
        try await original.append(.installmentPaid(InstallmentPaid(installmentId: "I1", clientId: "C1", paidOn: "2026-11-26")), actor: "u-admin")

        let shared = try makeLedger(.postgres)
        let viaPostgres = try LedgerCopy.copy(from: original, to: shared, chunk: 16)
        let back = try makeLedger(.lmdb)
        let home = try LedgerCopy.copy(from: shared, to: back, chunk: 5)

        let expected = try storedValues(original)
        #expect(expected.count == 42)
        for copy in [shared, back] {
            let values = try storedValues(copy)
            #expect(values.map(\.0) == expected.map(\.0))
            #expect(values.map(\.1) == expected.map(\.1))
        }
        #expect(viaPostgres == (try original.head()) && home == viaPostgres)
        #expect(try back.verifyChain() == (try original.verifyChain()))
        // The copy is a working ledger: appends chain on from the copied head.
        #expect(try await shared.append(sampleClient(99), actor: "import") == 43)
        #expect(try shared.verifyChain().position == 43)
    }

    @Test(arguments: LedgerBackendKind.allCases)
    func aNonEmptyDestinationIsRefusedUntouched(_ backend: LedgerBackendKind) async throws {
        let source = try makeLedger(.lmdb)
        try await source.append((1...3).map { NewEvent(sampleClient($0), actor: "import") })
        let destination = try makeLedger(backend)
        try await destination.append(sampleClient(7), actor: "import")
        #expect(throws: LedgerCopy.Failure.self) { try LedgerCopy.copy(from: source, to: destination) }
        #expect(try destination.head().position == 1)
        #expect(try destination.records(after: 0, limit: 10).map { try $0.decodeEvent().clientId } == ["C7"])
    }

    /// A source whose chain is broken is not copied past the break.
    @Test func aBrokenSourceChainStopsTheCopyAtTheBreak() async throws {
        let source = try makeLedger(.lmdb)
        try await source.append((1...6).map { NewEvent(sampleClient($0), actor: "import") })
        try source.overwriteRaw(position: 4) { $0[12] ^= 0x01 }
        let destination = try makeLedger(.postgres)
        #expect(throws: LedgerError.self) { try LedgerCopy.copy(from: source, to: destination, chunk: 2) }
        #expect(try destination.head().position == 2)
    }
}
