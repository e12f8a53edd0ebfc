import AvisoLedger
import Foundation
import GRDB

public struct VerificationReport: Sendable {
    public var head: LedgerHead
    public var tables: Int
}

public enum VerificationError: Error, CustomStringConvertible, Sendable, Equatable {
    case readModelsDiffer(table: String)

    public var description: String {
        switch self {
        case let .readModelsDiffer(table):
            "read model `\(table)` differs from a fresh replay of the ledger; rebuild it with `aviso replay`"
        }
    }
}

/// `aviso verify`: the hash chain holds, and the live read models equal a fresh replay.
public enum Verification {
    public static func run(_ store: AvisoStore) throws -> VerificationReport {
        let head = try store.ledger.verifyChain()
        try store.catchUp()
        let aside = store.directory.url.appendingPathComponent("aviso.sqlite.verify-\(getpid())")
        defer { Replay.removeDatabaseFiles(aside) }
        try Replay.build(from: store.ledger, into: aside)
        let fresh = try ReadModelDigest.compute(DatabaseQueue(path: aside.path))
        let live = try ReadModelDigest.compute(store.readModels)
        if let table = live.firstDifference(from: fresh) {
            throw VerificationError.readModelsDiffer(table: table)
        }
        if live.checkpoint != fresh.checkpoint {
            throw VerificationError.readModelsDiffer(table: "projection_checkpoint")
        }
        return VerificationReport(head: head, tables: live.tables.count)
    }
}
