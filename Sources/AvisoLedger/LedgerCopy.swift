import Foundation

/// `aviso ledger copy`: the whole log from one ledger into an empty one, on any backends
/// (LMDB → PostgreSQL to move a lender onto several nodes, PostgreSQL → LMDB to take it home).
/// Every stored value is copied byte for byte, so the chain and its hashes are the same; each
/// chunk is checked to chain on before it is written, and both sides are verified at the end.
public enum LedgerCopy {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case destinationNotEmpty(String, head: UInt64)
        case destinationMoved(String)
        case headsDiffer(source: UInt64, destination: UInt64)

        public var description: String {
            switch self {
            case let .destinationNotEmpty(location, head):
                "the destination \(location) already holds \(head) records; copy only into an empty ledger"
            case let .destinationMoved(location):
                "someone else appended to \(location) while it was being copied into; the copy stopped"
            case let .headsDiffer(source, destination):
                "after the copy the source ends at \(source) but the destination at \(destination)"
            }
        }
    }

    /// Copies everything in `source` into the empty `destination`; returns the head both share.
    /// `progress` is told the last position copied after each chunk.
    @discardableResult
    public static func copy(from source: Ledger, to destination: Ledger, chunk: Int = 4096,
                            progress: (UInt64) -> Void = { _ in }) throws -> LedgerHead {
        let start = try destination.head()
        guard start.position == 0 else { throw Failure.destinationNotEmpty(destination.location, head: start.position) }
        var head = LedgerHead.empty
        var pending: [(UInt64, Data)] = []
        func write() throws {
            guard !pending.isEmpty else { return }
            head = try destination.backend.writeTransaction { txn in
                var written = try txn.head()
                guard written == head else { throw Failure.destinationMoved(destination.location) }
                for (position, value) in pending {
                    try value.withUnsafeBytes { bytes in
                        let record = try RecordCodec.decode(position: position, value: bytes)
                        let expected = RecordCodec.chainHash(previous: written.hash, position: position, body: RecordCodec.storedBody(bytes))
                        guard position == written.position + 1, expected == record.hash else {
                            throw LedgerError.chainBroken(position: position, reason: "the source's chain breaks here; nothing after it was copied")
                        }
                        try txn.appendRecord(position: position, value: bytes)
                        written = LedgerHead(position: position, hash: record.hash)
                    }
                }
                try txn.storeHead(written)
                return written
            }
            pending.removeAll(keepingCapacity: true)
            progress(head.position)
        }
        try source.forEachStoredValue(chunk: chunk) { position, value in
            pending.append((position, value))
            if pending.count >= chunk { try write() }
        }
        try write()
        let sourceHead = try source.verifyChain()
        let destinationHead = try destination.verifyChain()
        guard sourceHead == destinationHead else {
            throw Failure.headsDiffer(source: sourceHead.position, destination: destinationHead.position)
        }
        return destinationHead
    }
}
