import AvisoLedger
import Foundation
import GRDB
import Synchronization

/// A data directory opened for work: the ledger to append to and the read models to ask.
/// Opening it catches the read models up to the ledger's head; every append through it
/// projects before returning, so a caller reads its own writes.
public final class AvisoStore: Sendable {
    public let directory: DataDirectory
    public let ledger: Ledger
    /// The read models, for reading: only the projectors (in this module) write them, through `pool`.
    public var readModels: any DatabaseReader { pool }
    let pool: DatabasePool
    public let projector: Projector
    /// Set when `aviso.sqlite` was damaged and has just been rebuilt: one line saying so,
    /// for the command to print.
    public let cacheRepair: String?
    private let lock: ReadModelLock

    public init(directory: DataDirectory, initialMapSize: Int = 256 << 20) throws {
        try directory.create()
        guard let lock = try ReadModelLock(directory, mode: .shared) else {
            throw ProjectionError.replayRefused("\(directory.url.path) is being rebuilt by `aviso replay`; try again when it finishes")
        }
        self.lock = lock
        self.directory = directory
        ledger = try Ledger(location: directory.ledgerLocation, initialMapSize: initialMapSize)
        // A log shorter than a checkpoint it signed lost records: refuse it, never use it silently.
        try CheckpointFiles(directory: directory.checkpoints).checkNotAhead(of: ledger.head())
        var repaired: String?
        do {
            pool = try DamagedCache.openChecked(at: directory.readModels)
        } catch let damage as DamagedCache.Damage {
            // Only a file no other process has open may be moved away.
            guard lock.tryExclusive() else {
                throw ProjectionError.readModelsUnavailable(
                    "\(directory.readModels.path) is damaged (\(damage.reason)) and another Aviso process has it open; "
                        + "stop it and run the command again to rebuild it from the ledger")
            }
            let aside = try DamagedCache.moveAside(directory.readModels)
            lock.backToShared()
            pool = try ReadModelDatabase.openPool(at: directory.readModels)
            repaired = "\(directory.readModels.lastPathComponent) was damaged (\(damage.reason)); "
                + "moved it to \(aside.lastPathComponent) and rebuilt the read models from the ledger"
        }
        let (opened, readModelsURL) = (ledger, directory.readModels)
        try pool.read { try ReadModelCheckpoint.refuseIfAhead($0, of: opened, readModels: readModelsURL) }
        projector = Projector(ledger: ledger)
        try ProjectionRebuild.rebuildOutdated(ledger, into: pool, directory: directory)
        try IngestionProjection.backfillIfPending(pool, ledger: ledger)
        let applied = try projector.catchUp(pool)
        cacheRepair = repaired.map { "\($0) (\(applied) events)" }
    }

    /// Finishes queued appends; the ledger is closed after this.
    public func close() {
        ledger.close()
    }

    /// Appends, then projects. The append is durable even if projecting fails or the
    /// process dies right after: the next open catches up.
    @discardableResult
    public func append(_ events: [NewEvent]) async throws -> [UInt64] {
        let positions = try await ledger.append(events)
        FaultInjection.pauseIfRequested(.afterLedgerCommit)
        try catchUp()
        return positions
    }

    @discardableResult
    public func append(_ event: LedgerEvent, actor: String) async throws -> UInt64 {
        try await append([NewEvent(event, actor: actor)])[0]
    }

    /// Runs `decide` against the read models and appends what it returns with no other append
    /// in between, without writing SQLite under the ledger's write lock (appends from webhooks
    /// would wait behind it). The read models catch up first, outside the lock. Under it, only
    /// the records committed past their checkpoint are looked at, in memory: if each one is a
    /// record `unaffectedBy` says the decision does not depend on, `decide` runs there (what it
    /// reads is what it would read at the head); otherwise the lock is let go and the catch-up
    /// and decision are tried again. The last try catches up under the lock, as before, so a
    /// busy ledger cannot starve a decision. Either way nothing is appended between the look
    /// and the append: exactly-once holds as it did.
    @discardableResult
    public func appendDeciding(unaffectedBy: @escaping @Sendable (LedgerRecord) -> Bool = { _ in false },
                               _ decide: @escaping @Sendable (Database) throws -> [NewEvent]) async throws -> [UInt64] {
        let pool = self.pool
        let projector = self.projector
        for attempt in 1...Self.decidingAttempts {
            try projector.catchUp(pool)
            let lastTry = attempt == Self.decidingAttempts
            let stale = StaleFlag()
            let positions = try await ledger.appendDeciding { context in
                if lastTry { try projector.catchUp(pool) }
                return try pool.read { db in
                    let through = try Checkpoint.read(db).position
                    if through < context.head.position {
                        let tail = try context.records(after: through, limit: Self.decidingTailLimit + 1)
                        guard tail.count <= Self.decidingTailLimit, tail.allSatisfy(unaffectedBy) else {
                            stale.set(true)
                            return []
                        }
                    }
                    stale.set(false)
                    return try decide(db)
                }
            }
            if stale.get() { continue }
            FaultInjection.pauseIfRequested(.afterLedgerCommit)
            try catchUp()
            return positions
        }
        // The last attempt catches up under the lock, so it is never stale; should that ever
        // fail to hold, the decision is refused (nothing appended) rather than the process stopped.
        throw ProjectionError.readModelsUnavailable(
            "the read models could not be brought up to the ledger's head under its lock; nothing was decided or appended")
    }

    /// Tries before the catch-up moves under the lock.
    static let decidingAttempts = 4
    /// More records than this past the read models are caught up rather than looked through.
    static let decidingTailLimit = 4_096

    final class StaleFlag: Sendable {
        private let value = Mutex(false)
        func set(_ stale: Bool) { value.withLock { $0 = stale } }
        func get() -> Bool { value.withLock { $0 } }
    }

    /// `aviso replay --projection NAME`: rebuilds that projection aside and swaps its tables in,
    /// leaving the others (and the processes reading them) alone.
    @discardableResult
    public func rebuild(projection name: String, progress: ((Int) -> Void)? = nil) throws -> ReplayReport {
        guard let projection = NamedProjection.named(name) else {
            throw ProjectionError.replayRefused(
                "no projection is named \"\(name)\"; the projections are \(NamedProjection.all.map(\.name).joined(separator: ", "))")
        }
        let report = try ProjectionRebuild.rebuild(projection, ledger: ledger, into: pool, directory: directory,
                                                   always: true, progress: progress)
        try catchUp()
        return report
    }

    @discardableResult
    public func catchUp() throws -> Int {
        try projector.catchUp(pool)
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// The same for async code (request handlers): GRDB's async read, so the SQLite work runs
    /// off the caller's executor instead of blocking it.
    public func readAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// How far the read models lag the ledger, in records.
    public func projectionLag() throws -> UInt64 {
        let head = try ledger.head().position
        let checkpoint = try pool.read { try Checkpoint.read($0) }.position
        return head > checkpoint ? head - checkpoint : 0
    }

    /// The same for async code. A synchronous read there blocks one of the few cooperative
    /// threads while it waits for a pooled connection, and the async reads holding the
    /// connections may need those very threads to finish: under load, a deadlock.
    public func projectionLag() async throws -> UInt64 {
        let head = try ledger.head().position
        let checkpoint = try await readModels.read { try Checkpoint.read($0) }.position
        return head > checkpoint ? head - checkpoint : 0
    }
}

/// Opening the SQLite file the same way everywhere.
public enum ReadModelDatabase {
    /// WAL, so the server and CLI runs can share it; a busy timeout instead of failing at once.
    public static func openPool(at url: URL) throws -> DatabasePool {
        var config = Configuration()
        config.busyMode = .timeout(30)
        // Two processes opening a new file at once would both see "not migrated" and race to
        // create the tables: migrations take turns under a file lock.
        return try withExclusiveFileLock(url.path + ".migrate.lock") {
            let pool = try DatabasePool(path: url.path, configuration: config)
            try ReadModelSchema.migrator.migrate(pool)
            return pool
        }
    }
}
