import AvisoLedger
import Foundation
import GRDB

/// `client_pauses`: every `ClientPauseChanged`, with its author and time. A client is paused
/// while its latest row says so; the rows are also the client page's pause history.
public struct ClientPauseRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "client_pauses"
    public var position: Int64
    public var clientId: String
    public var paused: Bool
    public var reason: String?
    public var actor: String
    public var at: String

    /// The client's pause while it lasts, nil when sending to it is not paused.
    public static func current(_ db: Database, clientId: String) throws -> ClientPauseRecord? {
        let latest = try ClientPauseRecord.filter(Column("client_id") == clientId)
            .order(Column("position").desc).fetchOne(db)
        return latest?.paused == true ? latest : nil
    }

    /// Every client paused now, by client id.
    public static func allPaused(_ db: Database) throws -> [String: ClientPauseRecord] {
        let rows = try ClientPauseRecord.fetchAll(db, sql: """
            SELECT p.* FROM client_pauses p
            WHERE p.position = (SELECT max(position) FROM client_pauses q WHERE q.client_id = p.client_id) AND p.paused
            """)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.clientId, $0) })
    }

    /// A client's pauses and resumptions, newest first.
    public static func history(_ db: Database, clientId: String) throws -> [ClientPauseRecord] {
        try ClientPauseRecord.filter(Column("client_id") == clientId).order(Column("position").desc).fetchAll(db)
    }
}

enum ClientPauseProjection {
    static func migrateV6(_ db: Database) throws {
        try db.create(table: ClientPauseRecord.databaseTableName) { t in
            t.primaryKey("position", .integer)
            t.column("client_id", .text).notNull()
            t.column("paused", .boolean).notNull()
            t.column("reason", .text)
            t.column("actor", .text).notNull()
            t.column("at", .text).notNull()
        }
        try db.create(index: "client_pauses_by_client", on: ClientPauseRecord.databaseTableName, columns: ["client_id", "position"])
    }

    static func apply(_ e: ClientPauseChanged, record: LedgerRecord, at: String, _ db: Database) throws {
        try ClientPauseRecord(position: Int64(record.position), clientId: e.clientIdentifier, paused: e.paused,
                              reason: e.reason, actor: record.actor, at: at).insert(db)
    }
}
