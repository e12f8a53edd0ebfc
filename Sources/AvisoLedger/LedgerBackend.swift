import Foundation

/// What `Ledger` needs of a storage engine (LMDB in a folder, or PostgreSQL shared by several
/// nodes). Everything above the ledger talks to `Ledger` only; a backend stores the record
/// values `RecordCodec` makes (body ‖ chain hash) under their positions, byte for byte, so the
/// chain and `verify` are the same on every backend and a log can be copied between them.
protocol LedgerBackend: AnyObject, Sendable {
    /// Runs `body` in one write transaction and commits it; called only from the writer's own
    /// thread. While `body` runs no other writer, in any process or on any node, can append.
    /// `body` may run more than once (a retried transaction), so it must only read and put.
    func writeTransaction<T>(_ body: (any LedgerWriteTransaction) throws -> T) throws -> T

    /// Visits the stored values of committed records after `position`, in order, at most
    /// `limit`, all from one consistent read.
    func scanStored(after position: UInt64, limit: Int, _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws

    /// Visits the stored values at `positions` that exist, in the order given.
    func stored(at positions: [UInt64], _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws

    /// The last committed record (position 0 and the genesis hash when empty).
    func head() throws -> LedgerHead

    /// The head the backend keeps beside the records (its witness), if it keeps one.
    func storedHead() throws -> LedgerHead?

    /// Releases connections or handles; nothing is read or written after this.
    func close()

    /// Where the log is, for messages and `/healthz`: a folder, or a URL with its password masked.
    var location: String { get }
}

/// The write transaction a backend hands the writer (and, through `LedgerWriteContext`, the
/// deciding closures).
protocol LedgerWriteTransaction {
    /// The head as of this transaction, including what it appended so far.
    func head() throws -> LedgerHead
    /// Records after `position` as this transaction sees them, at most `limit`.
    func records(after position: UInt64, limit: Int) throws -> [LedgerRecord]
    /// Puts one record value (body ‖ hash) at `position`, which is always head + 1.
    func appendRecord(position: UInt64, value: UnsafeRawBufferPointer) throws
    /// Records the new head beside the records, once per transaction, after the appends.
    func storeHead(_ head: LedgerHead) throws
}

extension LedgerBackend {
    /// Decoded records after `position`, oldest first, at most `limit`.
    func records(after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        guard limit > 0 else { return out }
        out.reserveCapacity(min(limit, 4096))
        try scanStored(after: position, limit: limit) { p, value in out.append(try RecordCodec.decode(position: p, value: value)) }
        return out
    }
}
