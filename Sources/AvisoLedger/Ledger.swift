import CLMDB
import Foundation

/// The append-only event log in `DIR/ledger/` (LMDB). Several processes may open the same
/// directory: LMDB's lock file serialises their writers, so positions stay gap-free.
public final class Ledger: Sendable {
    let environment: LMDBEnvironment
    private let writer: LedgerWriter
    public let directory: URL

    /// Opens (creating if needed) the ledger in `directory`.
    /// `initialMapSize` only matters for a new environment; the map doubles when full.
    public init(directory: URL, initialMapSize: Int = 256 << 20) throws {
        self.directory = directory
        environment = try LMDBEnvironment(directory: directory, initialMapSize: initialMapSize)
        try Ledger.refuseDamagedEnd(of: environment, directory: directory)
        writer = LedgerWriter(environment: environment)
    }

    /// Opens an existing ledger only to read it (`MDB_RDONLY`): nothing in `directory` is
    /// created or written, so it works on a read-only data directory. Appends fail.
    public init(readingOnly directory: URL) throws {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("data.mdb").path) else {
            throw LedgerError.notFound(directory: directory.path)
        }
        self.directory = directory
        environment = try LMDBEnvironment(directory: directory, initialMapSize: 256 << 20, readOnly: true)
        try Ledger.refuseDamagedEnd(of: environment, directory: directory)
        writer = LedgerWriter(environment: environment)
        writer.stop()
    }

    deinit {
        writer.stop()
    }

    /// Finishes queued appends and stops the writer (graceful shutdown).
    public func close() {
        writer.stop()
    }

    // MARK: Appending

    /// Appends `events` in one transaction; durable when this returns. Returns their positions.
    @discardableResult
    public func append(_ events: [NewEvent]) async throws -> [UInt64] {
        try await writer.append(events.map(EncodedEvent.init))
    }

    /// Appends events the caller already encoded (see `EncodedEvent`).
    @discardableResult
    public func append(encoded events: [EncodedEvent]) async throws -> [UInt64] {
        try await writer.append(events)
    }

    @discardableResult
    public func append(_ event: LedgerEvent, actor: String) async throws -> UInt64 {
        try await writer.append([EncodedEvent(NewEvent(event, actor: actor))])[0]
    }

    /// Runs `decide` inside the write transaction, holding LMDB's write lock (across
    /// processes), and appends what it returns. Use it when "has this happened yet?" and
    /// "record that it happened" must be one step. `decide` may run more than once (when the
    /// map grows), so it must only read and return events.
    ///
    /// `grouped`: decisions that may share one transaction with other grouped ones queued at
    /// the same moment (group commit for many small, independent decisions such as webhook
    /// deduplication). They see each other only through `context.batch`, so they must record
    /// there what they decided (e.g. the keys they appended). One that throws fails alone.
    @discardableResult
    public func appendDeciding(grouped: Bool = false, _ decide: @escaping @Sendable (LedgerWriteContext) throws -> [NewEvent]) async throws -> [UInt64] {
        try await writer.appendDeciding(grouped: grouped, decide)
    }

    /// `appendDeciding` for events encoded beforehand (`EncodedEvent`, validated on the
    /// caller's thread), so the single writer thread only decides, hashes and puts.
    @discardableResult
    public func appendDecidingEncoded(grouped: Bool = false,
                                      _ decide: @escaping @Sendable (LedgerWriteContext) throws -> [EncodedEvent]) async throws -> [UInt64] {
        try await writer.appendDecidingEncoded(grouped: grouped, decide)
    }

    // MARK: Reading

    public func head() throws -> LedgerHead {
        try environment.read { try Ledger.head(in: $0) }
    }

    public var mapSize: Int { environment.mapSize }

    /// A consistent, compacted copy of the whole ledger into the empty folder `directory`,
    /// taken while others may be appending (see `LMDBEnvironment.copyCompacted`).
    public func copyCompacted(to directory: URL) throws {
        try environment.copyCompacted(to: directory)
    }

    /// Records after `position`, oldest first, at most `limit`, in one short read transaction.
    public func records(after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        try environment.read { try Ledger.records(in: $0, after: position, limit: limit) }
    }

    /// The records at `positions` (those that exist), in the order given, in one read transaction:
    /// what an index of the ledger points at.
    public func records(at positions: [UInt64]) throws -> [LedgerRecord] {
        try environment.read { txn in
            try positions.compactMap { position in
                try txn.get(txn.environment.events, key: RecordCodec.key(position)).map { value in
                    try value.withUnsafeBytes { try RecordCodec.decode(position: position, value: $0) }
                }
            }
        }
    }

    /// Visits every record after `position` in order, a chunk per read transaction, so a
    /// long scan never pins old pages and memory stays flat.
    public func forEachRecord(after position: UInt64 = 0, chunk: Int = 4096, _ visit: (LedgerRecord) throws -> Void) throws {
        var next = position
        while true {
            let records = try self.records(after: next, limit: chunk)
            for record in records { try visit(record) }
            guard let last = records.last, records.count == chunk else { return }
            next = last.position
        }
    }

    // MARK: Verification

    /// Walks the whole log checking positions are gap-free from 1, every record decodes, and
    /// every hash chains from the one before. Throws naming the first bad position.
    @discardableResult
    public func verifyChain() throws -> LedgerHead {
        try verifyChain(keepingHashesAt: []).head
    }

    /// `verifyChain`, also returning the chain hash at each of `positions` it walked past
    /// (what a signed checkpoint of that size must name). From `start`, a head an earlier walk
    /// verified, only the records after it are walked; the record at `start` must still have
    /// its hash, so a chain rebuilt from an earlier record is still caught.
    public func verifyChain(keepingHashesAt positions: Set<UInt64>, after start: LedgerHead = .empty) throws -> (head: LedgerHead, hashes: [UInt64: Data]) {
        var hashes: [UInt64: Data] = [:]
        var head = start
        var next = start.position
        if start.position > 0, try records(at: [start.position]).first?.hash != start.hash {
            throw LedgerError.chainBroken(position: start.position, reason: "the record no longer has the hash an earlier walk verified: the log was rewritten")
        }
        let chunk = 8192
        while true {
            var seen = 0
            try environment.read { txn in
                try txn.scan(environment.events, from: RecordCodec.key(next + 1)) { key, value in
                    let position = try RecordCodec.position(fromKey: key)
                    guard position == head.position + 1 else {
                        throw LedgerError.chainBroken(position: head.position + 1,
                                                      reason: "record missing (next stored position is \(position))")
                    }
                    let record: LedgerRecord
                    do {
                        record = try RecordCodec.decode(position: position, value: value)
                    } catch let error as LedgerError {
                        throw LedgerError.chainBroken(position: position, reason: "\(error)")
                    }
                    let expected = RecordCodec.chainHash(previous: head.hash, position: position,
                                                         body: RecordCodec.storedBody(value))
                    guard expected == record.hash else {
                        throw LedgerError.chainBroken(position: position, reason: "hash does not match its content and the previous record")
                    }
                    head = LedgerHead(position: position, hash: record.hash)
                    if positions.contains(position) { hashes[position] = record.hash }
                    seen += 1
                    return seen < chunk
                }
            }
            if seen < chunk { break }
            next = head.position
        }
        // The head witness catches a truncated tail that the chain alone can't see.
        if let stored = try environment.read({ try Ledger.storedHead(in: $0) }), stored != head {
            throw LedgerError.chainBroken(position: head.position + 1,
                                          reason: "the log ends at \(head.position) but its head says \(stored.position): records removed")
        }
        return (head, hashes)
    }

    // MARK: Transaction helpers (shared by readers and the writer)

    static func head(in txn: LMDBTransaction) throws -> LedgerHead {
        guard let (key, value) = try txn.last(txn.environment.events) else { return .empty }
        let position = try key.withUnsafeBytes { try RecordCodec.position(fromKey: $0) }
        guard value.count >= RecordCodec.hashSize else {
            throw LedgerError.corruptRecord(position: position, reason: "record shorter than its hash")
        }
        return LedgerHead(position: position, hash: Data(value.suffix(RecordCodec.hashSize)))
    }

    static func records(in txn: LMDBTransaction, after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        guard limit > 0 else { return out }
        out.reserveCapacity(min(limit, 4096))
        try txn.scan(txn.environment.events, from: RecordCodec.key(position + 1)) { key, value in
            let p = try RecordCodec.position(fromKey: key)
            out.append(try RecordCodec.decode(position: p, value: value))
            return out.count < limit
        }
        return out
    }

    private static let headKey = Array("head".utf8)

    static func storeHead(_ head: LedgerHead, in txn: LMDBTransaction) throws {
        try txn.put(txn.environment.meta, key: headKey, value: RecordCodec.key(head.position) + Array(head.hash), append: false)
    }

    static func storedHead(in txn: LMDBTransaction) throws -> LedgerHead? {
        guard let value = try txn.get(txn.environment.meta, key: headKey), value.count == 8 + RecordCodec.hashSize else { return nil }
        let position = value.prefix(8).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return LedgerHead(position: position, hash: Data(value.suffix(RecordCodec.hashSize)))
    }
}
