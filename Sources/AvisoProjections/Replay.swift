import AvisoLedger
import Foundation
import GRDB

public struct ReplayReport: Sendable {
    public var events: Int
    public var seconds: Double
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

/// Rebuilds every read model from position 1 into a fresh SQLite file beside the live one,
/// then swaps it in with one rename. The live file is never half-rebuilt.
public enum Replay {
    /// Builds read models from the whole ledger into `url` (replacing what is there).
    /// The aside file is a scratch cache until it is swapped in, so it is written without
    /// journal or fsync; it is switched to WAL and flushed once complete.
    @discardableResult
    /// `progress` is told how many records are applied so far, after each chunk.
    public static func build(from ledger: Ledger, into url: URL, batchSize: Int = 20_000,
                             progress: ((Int) -> Void)? = nil) throws -> ReplayReport {
        try build(from: ledger, into: url, batchSize: batchSize, decode: { try $0.decodeEvent() }, progress: progress)
    }

    /// `decode` stands for the catalogue of the running build (a test passes a "fixed" one).
    /// `projections`: the ones to build (the other tables stay empty).
    static func build(from ledger: Ledger, into url: URL, batchSize: Int = 20_000, projections: [NamedProjection] = NamedProjection.all,
                      decode: @escaping DecodingReader.Decode, progress: ((Int) -> Void)? = nil) throws -> ReplayReport {
        removeDatabaseFiles(url)
        let started = Date()
        var config = Configuration()
        config.prepareDatabase { db in
            // A page cache of 64 MiB: SQLite's default 2 MB thrashes on a million-row log, and
            // 256 MiB let the heap grow with the log (1 M: 374 MiB, 5 M: 493 MiB) for 5 % of speed.
            // The index sorter is bounded by it too.
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536")
        }
        var events = 0
        do {
            let queue = try DatabaseQueue(path: url.path, configuration: config)
            try ReadModelSchema.migrator.migrate(queue)
            // A bulk load: indexes nothing looks up by are built once, after the rows.
            let indexes = try queue.write { try ReadModelSchema.dropIndexesForBulkLoad($0) }
            events = try applyAll(from: ledger, into: queue, projections: projections, commitEvery: batchSize,
                                  decode: decode, progress: progress)
            try queue.writeWithoutTransaction { db in
                // SQLite's sorter takes up to the page cache's size again while it builds an
                // index; rows once loaded, a smaller cache bounds that.
                releaseFreedMemory()
                try db.execute(sql: "PRAGMA cache_size = -16384")
                for index in indexes { try db.execute(sql: index) }
                try db.execute(sql: "ANALYZE")
                try db.execute(sql: "PRAGMA synchronous = FULL")
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            }
            try queue.close()
        }
        return ReplayReport(events: events, seconds: Date().timeIntervalSince(started))
    }

    /// Applies every record, decoded ahead on another thread, committing (rows and
    /// checkpoint together) every `commitEvery` records.
    private static func applyAll(from ledger: Ledger, into queue: DatabaseQueue, projections: [NamedProjection], commitEvery: Int,
                                 decode: @escaping DecodingReader.Decode, progress: ((Int) -> Void)?) throws -> Int {
        let reader = DecodingReader(ledger: ledger, after: 0, decode: decode)
        defer { reader.cancel() }
        var total = 0
        try queue.writeWithoutTransaction { db in
            var chunk = try reader.next()
            while chunk != nil {
                try db.inTransaction {
                    var appliers = try ProjectionAppliers(projections, after: projections.map { _ in 0 }, db)
                    var inTransaction = 0
                    var last: LedgerRecord?
                    while let current = chunk, inTransaction < commitEvery {
                        for (record, event) in current { try appliers.apply(record, decoded: event, db) }
                        inTransaction += current.count
                        progress?(total + inTransaction)
                        last = current.last?.record
                        chunk = try reader.next()
                    }
                    if let last { try appliers.writeCheckpoints(through: last, db) }
                    total += inTransaction
                    return .commit
                }
                releaseFreedMemory()
            }
        }
        return total
    }

    /// `aviso replay`: refuses while any other process has the read models open (the
    /// server would keep reading the replaced file), else rebuilds aside and swaps.
    public static func rebuild(_ directory: DataDirectory, progress: ((Int) -> Void)? = nil) throws -> ReplayReport {
        guard let lock = try ReadModelLock(directory, mode: .exclusive) else {
            throw ProjectionError.replayRefused("""
                another Aviso process (the server, or a command still running) has \(directory.readModels.path) open; \
                stop it, then run `aviso replay` again
                """)
        }
        let ledger = try Ledger(location: directory.ledgerLocation)
        defer { ledger.close() }
        let aside = directory.url.appendingPathComponent("aviso.sqlite.replay")
        let report = try build(from: ledger, into: aside, progress: progress)
        // Old WAL/SHM files must not be applied to the new file.
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: directory.readModels.path + suffix)
        }
        guard rename(aside.path, directory.readModels.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory.readModels.path])
        }
        withExtendedLifetime(lock) {}
        return report
    }

    static func removeDatabaseFiles(_ url: URL) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
    }
}

/// Hands the memory freed since the last call back to the system. The decoding threads
/// allocate what the writer frees, so glibc's per-thread arenas keep growing with the log
/// unless trimmed (`malloc_trim` also releases free pages inside the arenas, not just at
/// their top); once per committed batch costs a millisecond. Public for the benchmarks,
/// which measure the heap from a trimmed start.
public func releaseFreedMemory() {
    mallocTrim?(0)
}

/// glibc's `malloc_trim`, looked up at run time (Swift's Glibc module leaves out `malloc.h`);
/// nil where the C library has none.
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
}()
