import AvisoLedger
import Foundation
import GRDB

/// `settings_changes`: every `SettingsChanged`, with its author and time, for the console's
/// settings history. Databases made before `v4-settings-history` get their earlier changes
/// with `aviso replay`.
public struct SettingsChangeRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "settings_changes"
    public var position: Int64
    public var at: String
    public var actor: String
    /// The event's own JSON: only the fields it set.
    public var change: String

    public var decoded: SettingsChanged? {
        try? JSONDecoder().decode(SettingsChanged.self, from: Data(change.utf8))
    }
}

enum SettingsHistory {
    static func migrateV4(_ db: Database) throws {
        try db.create(table: SettingsChangeRecord.databaseTableName) { t in
            t.primaryKey("position", .integer)
            t.column("at", .text).notNull()
            t.column("actor", .text).notNull()
            t.column("change", .text).notNull()
        }
    }

    static func record(_ e: SettingsChanged, record: LedgerRecord, at: String, _ db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(e), as: UTF8.self)
        try SettingsChangeRecord(position: Int64(record.position), at: at, actor: record.actor, change: json).insert(db)
    }
}
