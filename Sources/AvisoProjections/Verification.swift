import AvisoLedger
import Foundation
import GRDB

public struct VerificationReport: Sendable {
    public var head: LedgerHead
    public var tables: Int
    /// Records this build cannot decode (the read models leave them out), and the first few.
    public var undecodableCount: Int = 0
    public var undecodable: [UndecodableRecord] = []
}

public enum VerificationError: Error, CustomStringConvertible, Sendable, Equatable {
    case readModelsDiffer(table: String)
    case readModelsBehind(records: UInt64)

    public var description: String {
        switch self {
        case let .readModelsDiffer(table):
            "read model `\(table)` differs from a fresh replay of the ledger; rebuild it with `aviso replay`"
        case let .readModelsBehind(records):
            "the hash chain is intact, but the read models are \(records) records behind the ledger and the "
                + "directory is read-only, so they cannot be caught up and compared; run `aviso verify` with write access"
        }
    }
}

/// `aviso verify`: the hash chain holds, and the live read models equal a fresh replay.
public enum Verification {
    /// `progress`: records of the fresh replay applied so far.
    public static func run(_ store: AvisoStore, progress: ((Int) -> Void)? = nil) throws -> VerificationReport {
        let head = try store.ledger.verifyChain()
        try store.catchUp()
        let scratch = store.directory.url.appendingPathComponent("aviso.sqlite.verify-\(getpid())")
        return try compare(store.readModels, with: store.ledger, head: head, scratch: scratch, progress: progress)
    }

    /// The same checks without writing to the data directory: the fresh replay is built in
    /// the system's temporary directory; read models behind the ledger cannot be compared.
    public static func run(_ store: ReadOnlyStore, progress: ((Int) -> Void)? = nil) throws -> VerificationReport {
        let head = try store.ledger.verifyChain()
        guard try store.readModels.read({ try ReadModelSchema.migrator.hasCompletedMigrations($0) }) else {
            throw ProjectionError.readModelsUnavailable(
                "the hash chain is intact, but \(store.directory.readModels.path) was built by an older Aviso and cannot be "
                    + "upgraded read-only; run `aviso verify` where the directory is writable")
        }
        let lag = try store.lag()
        guard lag == 0 else { throw VerificationError.readModelsBehind(records: lag) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-verify-\(getpid())-\(UUID().uuidString).sqlite")
        return try compare(store.readModels, with: store.ledger, head: head, scratch: scratch, progress: progress)
    }

    private static func compare(_ live: some DatabaseReader, with ledger: Ledger, head: LedgerHead, scratch: URL,
                                progress: ((Int) -> Void)?) throws -> VerificationReport {
        defer { Replay.removeDatabaseFiles(scratch) }
        try Replay.build(from: ledger, into: scratch, progress: progress)
        let fresh = try ReadModelDigest.compute(DatabaseQueue(path: scratch.path))
        let current = try ReadModelDigest.compute(live)
        if let table = current.firstDifference(from: fresh) {
            throw VerificationError.readModelsDiffer(table: table)
        }
        if current.checkpoints != fresh.checkpoints {
            throw VerificationError.readModelsDiffer(table: "projection_checkpoint")
        }
        let (count, sample) = try live.read { db in (try UndecodableRecords.count(db), try UndecodableRecords.list(db)) }
        return VerificationReport(head: head, tables: current.tables.count, undecodableCount: count, undecodable: sample)
    }
}
