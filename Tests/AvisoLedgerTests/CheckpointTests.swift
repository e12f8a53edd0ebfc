@testable import AvisoLedger
import Foundation
import Testing

/// Signed checkpoints (C2SP tlog-checkpoint notes) and what an auditor checks with them.
@Suite struct CheckpointTests {
    static func ledger(_ clients: [Int]) async throws -> Ledger {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        for i in clients { try await ledger.append(sampleClient(i), actor: "import") }
        return ledger
    }

    @Test func aNoteRoundTripsAndItsSignatureChecks() async throws {
        let signer = try CheckpointSigner.generate(name: "prestamos.example.gt")
        let ledger = try await Self.ledger(Array(1...5))
        let note = try signer.sign(origin: "prestamos.example.gt/ledger", head: try ledger.head())
        let lines = note.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "prestamos.example.gt/ledger" && lines[1] == "5" && lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} prestamos.example.gt "))
        let parsed = try CheckpointNote(parsing: note.text)
        #expect(parsed == note)
        let verifier = try CheckpointVerifier(parsing: signer.verifier.text)
        try verifier.check(parsed)
        // One changed byte of the text, another key, or a key file that lies about its id: refused.
        let forged = try CheckpointNote(parsing: note.text.replacingOccurrences(of: "\n5\n", with: "\n6\n"))
        #expect(throws: CheckpointError.self) { try verifier.check(forged) }
        let stranger = try CheckpointSigner.generate(name: "prestamos.example.gt").verifier
        #expect(throws: CheckpointError.self) { try stranger.check(parsed) }
        let parts = signer.verifier.text.split(separator: "+")
        #expect(throws: CheckpointError.self) { try CheckpointVerifier(parsing: "\(parts[0])+00000000+\(parts[2])") }
        #expect(throws: CheckpointError.self) { try CheckpointNote(parsing: "prestamos/ledger\nfive\nAAAA\n\n— x y\n") }
    }

    /// The chain alone cannot tell a rewritten log: whoever holds the files can rebuild a
    /// valid chain from any point. A checkpoint signed before the rewrite can.
    @Test func aRewrittenLedgerPassesItsChainButFailsTheAudit() async throws {
        let signer = try CheckpointSigner.generate(name: "prestamos.example.gt")
        let original = try await Self.ledger(Array(1...5))
        let old = try signer.sign(origin: "p/ledger", head: try original.head())
        for i in 6...10 { try await original.append(sampleClient(i), actor: "import") }
        let new = try signer.sign(origin: "p/ledger", head: try original.head())
        #expect(try CheckpointAudit.check(original, notes: [old, new], verifier: signer.verifier).position == 10)

        // The same first two records, then different ones: a perfectly valid chain.
        let rewritten = try await Self.ledger([1, 2] + Array(103...110))
        #expect(try rewritten.verifyChain().position == 10)
        #expect(throws: CheckpointError.self) { try CheckpointAudit.check(rewritten, notes: [old], verifier: signer.verifier) }
        #expect(throws: CheckpointError.self) { try CheckpointAudit.check(rewritten, notes: [old, new], verifier: signer.verifier) }
        // A copy cut short of a checkpoint: records are missing.
        let short = try await Self.ledger(Array(1...4))
        #expect(throws: CheckpointError.self) { try CheckpointAudit.check(short, notes: [old], verifier: signer.verifier) }
    }

    @Test func checkpointFilesRefuseALogShorterThanTheirLatest() async throws {
        let signer = try CheckpointSigner.generate(name: "p")
        let ledger = try await Self.ledger(Array(1...3))
        let files = CheckpointFiles(directory: makeTemporaryDirectory("checkpoints"))
        try files.write(try signer.sign(origin: "p/ledger", head: try ledger.head()))
        #expect(try files.latest()?.size == 3)
        try files.checkNotAhead(of: try ledger.head())
        #expect(throws: CheckpointError.self) { try files.checkNotAhead(of: LedgerHead(position: 2, hash: Data(count: 32))) }
    }
}
