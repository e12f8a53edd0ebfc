import AvisoLedger
import Foundation
import GRDB

public enum ProjectionError: Error, CustomStringConvertible, Sendable {
    case ledgerMismatch(position: UInt64, reason: String)
    case replayRefused(String)
    case readModelsUnavailable(String)

    public var description: String {
        switch self {
        case let .ledgerMismatch(position, reason):
            "the read models do not match the ledger at position \(position) (\(reason)); rebuild them with `aviso replay`"
        case let .replayRefused(reason), let .readModelsUnavailable(reason):
            reason
        }
    }
}

/// Brings the read models up to the ledger's head.
///
/// Each step is one IMMEDIATE SQLite transaction that reads every projection's checkpoint,
/// applies the records after it, and writes the new checkpoints: rows and checkpoints commit
/// together, so a crash at any moment leaves neither an event applied twice nor one skipped.
/// Several processes may project into one file; the write lock makes them take turns, and
/// each applies only what lies beyond the checkpoints it reads under that lock.
public struct Projector: Sendable {
    public let ledger: Ledger
    public var batchSize: Int

    public init(ledger: Ledger, batchSize: Int = 2_000) {
        self.ledger = ledger
        self.batchSize = batchSize
    }

    /// Applies everything after the checkpoints. Returns how many records were applied.
    @discardableResult
    public func catchUp(_ writer: some DatabaseWriter) throws -> Int {
        var total = 0
        while true {
            let applied = try writer.writeWithoutTransaction { db -> Int in
                var applied = 0
                try db.inTransaction(.immediate) {
                    applied = try step(db)
                    return .commit
                }
                return applied
            }
            total += applied
            if applied < batchSize { return total }
        }
    }

    /// One batch inside the caller's transaction.
    func step(_ db: Database) throws -> Int {
        // Read models older than `ledger_index`: index their records first, a batch per step.
        let backfilled = try LedgerIndex.backfill(ledger, limit: batchSize, db)
        if backfilled == batchSize { return backfilled }
        let projections = NamedProjection.all
        let checkpoints = try projections.map { try Checkpoint.read(db, projection: $0.name) }
        try checkAnchors(checkpoints)
        let from = checkpoints.map(\.position).min() ?? 0
        let records = try ledger.records(after: from, limit: batchSize)
        guard let last = records.last else { return backfilled }
        var appliers = try ProjectionAppliers(projections, after: checkpoints.map(\.position), db)
        for record in records { try appliers.apply(record, decoded: Result { try record.decodeEvent() }, db) }
        try appliers.writeCheckpoints(through: last, db)
        return backfilled + records.count
    }

    /// The record under each checkpoint must be the one applied: same position, same hash.
    private func checkAnchors(_ checkpoints: [Checkpoint]) throws {
        let anchors = Dictionary(checkpoints.filter { $0.position > 0 }.map { ($0.position, $0.hash) }) { first, _ in first }
        guard !anchors.isEmpty else { return }
        let found = Dictionary(try ledger.records(at: anchors.keys.sorted()).map { ($0.position, $0.hash) }) { first, _ in first }
        for (position, hash) in anchors {
            guard let actual = found[position] else {
                throw ProjectionError.ledgerMismatch(position: position, reason: "the ledger has no record there")
            }
            guard actual == hash else { throw ProjectionError.ledgerMismatch(position: position, reason: "hash differs") }
        }
    }
}

/// The last record a projection includes.
public struct Checkpoint: Sendable, Equatable {
    public var position: UInt64
    public var hash: Data

    static let start = Checkpoint(position: 0, hash: LedgerHead.empty.hash)

    /// What every read model includes: the lowest of the projections' checkpoints.
    public static func read(_ db: Database) throws -> Checkpoint {
        let stored = try all(db)
        return NamedProjection.all.map { stored[$0.name] ?? stored[legacyName] ?? start }.min { $0.position < $1.position } ?? start
    }

    public static func read(_ db: Database, projection name: String) throws -> Checkpoint {
        let stored = try all(db)
        return stored[name] ?? stored[legacyName] ?? start
    }

    /// Every checkpoint row by projection name (the highest says how far any read model got).
    public static func all(_ db: Database) throws -> [String: Checkpoint] {
        var out: [String: Checkpoint] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, position, hash FROM projection_checkpoint") {
            out[row["name"]] = Checkpoint(position: UInt64(row["position"] as Int64), hash: row["hash"])
        }
        return out
    }

    /// The version each projection was built with (none yet: not in the dictionary).
    static func versions(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, version FROM projection_checkpoint") { out[row["name"]] = row["version"] }
        return out
    }

    /// The single checkpoint of read models projected before "v6-named-projections"; read
    /// only where the file cannot be migrated (opened read-only).
    static let legacyName = "read_models"

    /// Also records the version of the code that wrote the rows: a process running an older
    /// build marks the projection for rebuilding by the next newer one.
    func write(_ projection: NamedProjection, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO projection_checkpoint (name, position, hash, version) VALUES (?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET position = excluded.position, hash = excluded.hash, version = excluded.version
            """).execute(arguments: [projection.name, Int64(position), hash, projection.version])
    }
}
