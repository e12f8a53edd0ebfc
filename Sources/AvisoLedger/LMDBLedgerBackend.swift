import CLMDB
import Foundation

/// The embedded default: the log in an LMDB environment in one folder. LMDB's lock file
/// serialises writers across the processes of one machine; its write transaction is the
/// exclusive lock that deciding appends hold.
final class LMDBLedgerBackend: LedgerBackend {
    let environment: LMDBEnvironment
    let directory: URL

    init(environment: LMDBEnvironment, directory: URL) {
        self.environment = environment
        self.directory = directory
    }

    var location: String { directory.path }

    func writeTransaction<T>(_ body: (any LedgerWriteTransaction) throws -> T) throws -> T {
        try environment.write { try body($0) }
    }

    func scanStored(after position: UInt64, limit: Int, _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard limit > 0 else { return }
        try environment.read { txn in
            var seen = 0
            try txn.scan(environment.events, from: RecordCodec.key(position + 1)) { key, value in
                try visit(try RecordCodec.position(fromKey: key), value)
                seen += 1
                return seen < limit
            }
        }
    }

    func stored(at positions: [UInt64], _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        try environment.read { txn in
            for position in positions {
                if let value = try txn.get(environment.events, key: RecordCodec.key(position)) {
                    try value.withUnsafeBytes { try visit(position, $0) }
                }
            }
        }
    }

    func head() throws -> LedgerHead {
        try environment.read { try $0.head() }
    }

    func storedHead() throws -> LedgerHead? {
        try environment.read { try $0.storedHead() }
    }

    func close() {}
}

extension LMDBTransaction: LedgerWriteTransaction {
    private static let headKey = Array("head".utf8)

    func head() throws -> LedgerHead {
        guard let (key, value) = try last(environment.events) else { return .empty }
        let position = try key.withUnsafeBytes { try RecordCodec.position(fromKey: $0) }
        guard value.count >= RecordCodec.hashSize else {
            throw LedgerError.corruptRecord(position: position, reason: "record shorter than its hash")
        }
        return LedgerHead(position: position, hash: Data(value.suffix(RecordCodec.hashSize)))
    }

    func records(after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        guard limit > 0 else { return out }
        out.reserveCapacity(min(limit, 4096))
        try scan(environment.events, from: RecordCodec.key(position + 1)) { key, value in
            let p = try RecordCodec.position(fromKey: key)
            out.append(try RecordCodec.decode(position: p, value: value))
            return out.count < limit
        }
        return out
    }

    func appendRecord(position: UInt64, value: UnsafeRawBufferPointer) throws {
        try appendRecord(environment.events, position: position, value: value)
    }

    func storeHead(_ head: LedgerHead) throws {
        try put(environment.meta, key: Self.headKey, value: RecordCodec.key(head.position) + Array(head.hash), append: false)
    }

    func storedHead() throws -> LedgerHead? {
        guard let value = try get(environment.meta, key: Self.headKey), value.count == 8 + RecordCodec.hashSize else { return nil }
        let position = value.prefix(8).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return LedgerHead(position: position, hash: Data(value.suffix(RecordCodec.hashSize)))
    }
}
