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
/// Each step is one IMMEDIATE SQLite transaction that reads the checkpoint, applies the
/// records after it, and writes the new checkpoint: rows and checkpoint commit together, so
/// a crash at any moment leaves neither an event applied twice nor one skipped. Several
/// processes may project into one file; the write lock makes them take turns, and each
/// applies only what lies beyond the checkpoint it reads under that lock.
public struct Projector: Sendable {
    public static let name = "read_models"
    public let ledger: Ledger
    public var batchSize: Int

    public init(ledger: Ledger, batchSize: Int = 2_000) {
        self.ledger = ledger
        self.batchSize = batchSize
    }

    /// Applies everything after the checkpoint. Returns how many records were applied.
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
        let checkpoint = try Checkpoint.read(db)
        let records = try ledger.records(after: checkpoint.position == 0 ? 0 : checkpoint.position - 1, limit: batchSize + 1)
        var pending = records[...]
        if checkpoint.position > 0 {
            // The record under the checkpoint must be the one we applied: same position, same hash.
            guard let anchor = pending.first, anchor.position == checkpoint.position else {
                throw ProjectionError.ledgerMismatch(position: checkpoint.position, reason: "the ledger has no record there")
            }
            guard anchor.hash == checkpoint.hash else {
                throw ProjectionError.ledgerMismatch(position: checkpoint.position, reason: "hash differs")
            }
            pending = pending.dropFirst()
        }
        pending = pending.prefix(batchSize)
        guard let last = pending.last else { return backfilled }
        var applier = try EventApplier(db)
        for record in pending { try applier.apply(record, db) }
        try Checkpoint(position: last.position, hash: last.hash).write(db)
        return backfilled + pending.count
    }
}

/// The last record the read models include.
public struct Checkpoint: Sendable, Equatable {
    public var position: UInt64
    public var hash: Data

    public static func read(_ db: Database) throws -> Checkpoint {
        guard let row = try Row.fetchOne(db, sql: "SELECT position, hash FROM projection_checkpoint WHERE name = ?",
                                         arguments: [Projector.name]) else {
            return Checkpoint(position: 0, hash: LedgerHead.empty.hash)
        }
        return Checkpoint(position: UInt64(row["position"] as Int64), hash: row["hash"])
    }

    func write(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO projection_checkpoint (name, position, hash) VALUES (?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET position = excluded.position, hash = excluded.hash
            """, arguments: [Projector.name, Int64(position), hash])
    }
}
