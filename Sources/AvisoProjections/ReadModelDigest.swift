import Crypto
import Foundation
import GRDB

/// A SHA-256 per projected table over every row in a fixed order: two read models with
/// equal digests hold the same data.
public struct ReadModelDigest: Sendable, Equatable {
    public var tables: [String: String]
    public var checkpoint: UInt64
    /// Every projection's name, version and position.
    public var checkpoints: [String]

    public static func compute(_ reader: some DatabaseReader) throws -> ReadModelDigest {
        try reader.read { db in
            var tables: [String: String] = [:]
            for (table, order) in ReadModelSchema.projectedTables {
                var hasher = SHA256()
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \(table) ORDER BY \(order)")
                while let row = try rows.next() {
                    for (column, value) in row {
                        hasher.update(data: Data("\(column)=\(value.storage.digestText)\u{1F}".utf8))
                    }
                    hasher.update(data: Data([0x1E]))
                }
                tables[table] = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            }
            let checkpoints = try Row.fetchAll(db, sql: "SELECT name, version, position FROM projection_checkpoint ORDER BY name")
                .map { "\($0["name"] as String) v\($0["version"] as Int) @\($0["position"] as Int64)" }
            return ReadModelDigest(tables: tables, checkpoint: try Checkpoint.read(db).position, checkpoints: checkpoints)
        }
    }

    /// The first table (in schema order) whose rows differ, or nil.
    public func firstDifference(from other: ReadModelDigest) -> String? {
        ReadModelSchema.projectedTables.map(\.name).first { tables[$0] != other.tables[$0] }
    }
}

private extension DatabaseValue.Storage {
    /// Type-tagged text so that 1, "1" and 1.0 hash differently.
    var digestText: String {
        switch self {
        case .null: "N"
        case let .int64(v): "I\(v)"
        case let .double(v): "D\(v)"
        case let .string(v): "S\(v)"
        case let .blob(v): "B\(v.base64EncodedString())"
        }
    }
}
