import AvisoLedger
import Foundation
import GRDB

/// A ledger record this build could not decode (a bug, or a record from a newer Aviso).
/// The projection notes it here and goes on, so nothing stops; `/healthz`, `/metrics` and
/// `aviso verify` report it; once a fixed Aviso can read it, `aviso replay` applies it.
public struct UndecodableRecord: Sendable, Equatable, Codable {
    public var position: UInt64
    public var type: String
    public var version: Int
    public var error: String
    /// When the record was appended (ledger time).
    public var recordedAt: String

    public var description: String {
        "position \(position) (\(type) v\(version)): \(error)"
    }
}

public enum UndecodableRecords {
    /// Migration `v3-undecodable-records`.
    static func migrateV3(_ db: Database) throws {
        try db.create(table: "undecodable_records") { t in
            t.primaryKey("position", .integer)
            t.column("type", .text).notNull()
            t.column("version", .integer).notNull()
            t.column("error", .text).notNull()
            t.column("recorded_at", .text).notNull()
        }
    }

    /// Notes `record` as unreadable. The error text is bounded: it is a diagnosis, not data.
    static func note(_ record: LedgerRecord, error: any Error, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO undecodable_records (position, type, version, error, recorded_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [Int64(record.position), record.type, record.schemaVersion,
                                     String(EventValidation.explain(error).prefix(500)), Timestamps.utc(record.time)])
    }

    public static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM undecodable_records") ?? 0
    }

    /// The first `limit` of them, in log order.
    public static func list(_ db: Database, limit: Int = 20) throws -> [UndecodableRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM undecodable_records ORDER BY position LIMIT ?", arguments: [limit]).map { row in
            UndecodableRecord(position: UInt64(row["position"] as Int64), type: row["type"], version: row["version"],
                              error: row["error"], recordedAt: row["recorded_at"])
        }
    }

    /// One sentence for people: how many, the first one, and what to do.
    public static func summary(count: Int, first: UndecodableRecord?) -> String? {
        guard count > 0, let first else { return nil }
        let more = count > 1 ? " and \(count - 1) more" : ""
        return "\(count) ledger record\(count == 1 ? "" : "s") could not be decoded and \(count == 1 ? "is" : "are") left out of the read models: "
            + "\(first.description)\(more); after upgrading or fixing Aviso, run `aviso replay` to apply \(count == 1 ? "it" : "them")"
    }
}

extension AvisoStore {
    /// How many records the read models left out as undecodable, and the first few.
    public func undecodableRecords(limit: Int = 20) throws -> (count: Int, sample: [UndecodableRecord]) {
        try read { db in (try UndecodableRecords.count(db), try UndecodableRecords.list(db, limit: limit)) }
    }

    /// The same for async code (see `projectionLag() async`).
    public func undecodableRecords(limit: Int = 20) async throws -> (count: Int, sample: [UndecodableRecord]) {
        try await readAsync { db in (try UndecodableRecords.count(db), try UndecodableRecords.list(db, limit: limit)) }
    }
}
