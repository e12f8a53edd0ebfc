import CLMDB
import Foundation

/// The append-only event log: the one face every layer above uses, whatever stores it.
///
/// By default the log is LMDB in `DIR/ledger/`: several processes may open the same folder,
/// and LMDB's lock file serialises their writers. With a `postgres://` location it is a
/// PostgreSQL database shared by several nodes (`PostgresLedgerBackend`). On both: the same
/// record bytes and hash chain, gap-free positions in commit order, group commit, and deciding
/// appends that hold the one write lock every writer takes.
public final class Ledger: Sendable {
    let backend: any LedgerBackend
    private let writer: LedgerWriter
    /// The LMDB folder; for a PostgreSQL ledger, a path that names no folder (see `location`).
    public let directory: URL

    /// Opens (creating if needed) the ledger in `directory`.
    /// `initialMapSize` only matters for a new environment; the map doubles when full.
    public convenience init(directory: URL, initialMapSize: Int = 256 << 20) throws {
        try self.init(location: .directory(directory), initialMapSize: initialMapSize)
    }

    /// Opens (creating if needed) the ledger at `location`: an LMDB folder or a PostgreSQL database.
    public init(location: LedgerLocation, initialMapSize: Int = 256 << 20) throws {
        switch location {
        case let .directory(directory):
            self.directory = directory
            let environment = try LMDBEnvironment(directory: directory, initialMapSize: initialMapSize)
            try Ledger.refuseDamagedEnd(of: environment, directory: directory)
            backend = LMDBLedgerBackend(environment: environment, directory: directory)
        case let .postgres(url):
            directory = URL(fileURLWithPath: "/dev/null/postgres")
            let postgres = try PostgresLedgerBackend(url: url)
            try postgres.refuseDamagedEnd()
            backend = postgres
        }
        writer = LedgerWriter(backend: backend)
    }

    /// Opens an existing ledger only to read it (`MDB_RDONLY`): nothing in `directory` is
    /// created or written, so it works on a read-only data directory. Appends fail.
    public convenience init(readingOnly directory: URL) throws {
        try self.init(readingOnly: .directory(directory))
    }

    /// Opens an existing ledger only to read it. For PostgreSQL the schema must exist already
    /// (nothing is created); appends fail.
    public init(readingOnly location: LedgerLocation) throws {
        switch location {
        case let .directory(directory):
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("data.mdb").path) else {
                throw LedgerError.notFound(directory: directory.path)
            }
            self.directory = directory
            let environment = try LMDBEnvironment(directory: directory, initialMapSize: 256 << 20, readOnly: true)
            try Ledger.refuseDamagedEnd(of: environment, directory: directory)
            backend = LMDBLedgerBackend(environment: environment, directory: directory)
        case let .postgres(url):
            directory = URL(fileURLWithPath: "/dev/null/postgres")
            let postgres = try PostgresLedgerBackend(url: url, creatingSchema: false)
            try postgres.refuseDamagedEnd()
            backend = postgres
        }
        writer = LedgerWriter(backend: backend)
        writer.stop()
    }

    deinit {
        writer.stop()
        backend.close()
    }

    /// Finishes queued appends and stops the writer (graceful shutdown).
    public func close() {
        writer.stop()
    }

    /// Where the log is: its folder, or its PostgreSQL URL with the password masked.
    public var location: String { backend.location }

    /// "lmdb" or "postgresql".
    public var backendName: String { backend is PostgresLedgerBackend ? "postgresql" : "lmdb" }

    /// For a ledger shared on PostgreSQL: the heads committed by any node, as they commit
    /// (LISTEN/NOTIFY); the stream ends if its connection drops. Nil for LMDB, whose writers
    /// share this machine (the server's own appends nudge its projector).
    public func appendNotifications() throws -> AsyncStream<UInt64>? {
        try (backend as? PostgresLedgerBackend)?.notifications()
    }

    /// The LMDB environment (tests and LMDB-only operations).
    var environment: LMDBEnvironment {
        get throws {
            guard let lmdb = backend as? LMDBLedgerBackend else { throw LedgerError.unsupported("this needs an LMDB ledger; \(location) is PostgreSQL") }
            return lmdb.environment
        }
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
        try backend.head()
    }

    /// LMDB's map size in bytes; 0 for PostgreSQL, which has no map.
    public var mapSize: Int { (backend as? LMDBLedgerBackend)?.environment.mapSize ?? 0 }

    /// A consistent, compacted copy of the whole ledger into the empty folder `directory`,
    /// taken while others may be appending (see `LMDBEnvironment.copyCompacted`). LMDB only:
    /// a PostgreSQL ledger is backed up with PostgreSQL's own tools (or `aviso ledger copy`).
    public func copyCompacted(to directory: URL) throws {
        try environment.copyCompacted(to: directory)
    }

    /// Records after `position`, oldest first, at most `limit`, in one short read.
    public func records(after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        try backend.records(after: position, limit: limit)
    }

    /// The records at `positions` (those that exist), in the order given, in one read:
    /// what an index of the ledger points at.
    public func records(at positions: [UInt64]) throws -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        out.reserveCapacity(positions.count)
        try backend.stored(at: positions) { position, value in out.append(try RecordCodec.decode(position: position, value: value)) }
        return out
    }

    /// Visits every stored value after `position` in order, byte for byte (what a copy to
    /// another backend writes), a chunk per read.
    public func forEachStoredValue(after position: UInt64 = 0, chunk: Int = 4096, _ visit: (UInt64, Data) throws -> Void) throws {
        var next = position
        while true {
            var seen = 0
            try backend.scanStored(after: next, limit: chunk) { p, value in
                try visit(p, Data(value))
                next = p
                seen += 1
            }
            if seen < chunk { return }
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
            try backend.scanStored(after: next, limit: chunk) { position, value in
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
            }
            if seen < chunk { break }
            next = head.position
        }
        // The head witness catches a truncated tail that the chain alone can't see.
        if let stored = try backend.storedHead(), stored != head {
            throw LedgerError.chainBroken(position: head.position + 1,
                                          reason: "the log ends at \(head.position) but its head says \(stored.position): records removed")
        }
        return (head, hashes)
    }
}
