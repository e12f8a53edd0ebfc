import Foundation

/// What an auditor checks with checkpoints over a copy of the ledger. The chain is walked
/// from the first record (O(n): a hash chain has no shorter proof; see the README).
public enum CheckpointAudit {
    /// `notes` (oldest first) are each signed by `verifier`, name the same origin, and the
    /// ledger's chain — intact from position 1 — has each note's hash at its size. So every
    /// later note extends every earlier one: nothing before the newest was rewritten.
    /// Returns the ledger's head.
    @discardableResult
    public static func check(_ ledger: Ledger, notes: [CheckpointNote], verifier: CheckpointVerifier) throws -> LedgerHead {
        for note in notes { try verifier.check(note) }
        if let first = notes.first, let other = notes.first(where: { $0.origin != first.origin }) {
            throw CheckpointError.mismatch("the checkpoints name two logs, `\(first.origin)` and `\(other.origin)`")
        }
        for (earlier, later) in zip(notes, notes.dropFirst()) where later.size < earlier.size {
            throw CheckpointError.mismatch("a later checkpoint (size \(later.size)) is smaller than an earlier one (size \(earlier.size))")
        }
        let (head, hashes) = try ledger.verifyChain(keepingHashesAt: Set(notes.map(\.size)))
        for note in notes where note.size > 0 {
            guard note.size <= head.position else {
                throw CheckpointError.mismatch("the checkpoint names size \(note.size) but the ledger ends at \(head.position): records are missing")
            }
            guard hashes[note.size] == note.hash else {
                throw CheckpointError.mismatch("the ledger's record \(note.size) does not have the hash the checkpoint signed: the log was rewritten at or before \(note.size)")
            }
        }
        return head
    }
}
