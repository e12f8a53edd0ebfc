import AvisoLedger
import Foundation
import GRDB

/// `sessions`: console sessions from `SessionStarted` / `SessionEnded`, keyed by the SHA-256
/// of the session id (never the id). A session also ends when its user's password changes
/// (`CredentialChanged`) or its user is disabled (`UserStatusChanged`): those events end every
/// session of the user that started before them. Because they come from the log, a session
/// started or ended on one node holds on every node, and survives a restart.
public struct SessionRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "sessions"
    public var digest: String
    public var userId: String
    public var startedAt: String
    public var expiresAt: String
    public var endedAt: String?
    public var endedReason: String?
}

public enum SessionProjection {
    static func migrateV6(_ db: Database) throws {
        try db.create(table: SessionRecord.databaseTableName) { t in
            t.primaryKey("digest", .text)
            t.column("user_id", .text).notNull()
            t.column("started_at", .text).notNull()
            t.column("expires_at", .text).notNull()
            t.column("ended_at", .text)
            t.column("ended_reason", .text)
        }
        try db.create(index: "sessions_by_user", on: SessionRecord.databaseTableName, columns: ["user_id", "started_at"])
    }

    static func started(_ e: SessionStarted, at: String, _ db: Database) throws {
        // A digest seen twice (never, with 256-bit ids) keeps its first session.
        try db.execute(sql: """
            INSERT OR IGNORE INTO sessions (digest, user_id, started_at, expires_at) VALUES (?, ?, ?, ?)
            """, arguments: [e.sessionDigest, e.userId, at, Timestamps.utc(e.expiresAt)])
    }

    static func ended(_ e: SessionEnded, at: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE digest = ? AND ended_at IS NULL",
                       arguments: [at, e.reason, e.sessionDigest])
    }

    /// Ends every open session of `userId` (password changed, user disabled).
    static func endAll(userId: String, reason: String, at: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE user_id = ? AND ended_at IS NULL",
                       arguments: [at, reason, userId])
    }

    /// The session with this digest if it has not ended and has not expired at `now`.
    public static func live(digest: String, now: Date, _ db: Database) throws -> SessionRecord? {
        try SessionRecord.fetchOne(db, sql: """
            SELECT * FROM sessions WHERE digest = ? AND ended_at IS NULL AND expires_at > ?
            """, arguments: [digest, Timestamps.utc(now)])
    }

    /// Each user's most recent sign-in (UTC ISO 8601), for the users page and `aviso user list`.
    public static func lastLogins(_ db: Database) throws -> [String: String] {
        let rows = try Row.fetchAll(db, sql: "SELECT user_id, MAX(started_at) AS last FROM sessions GROUP BY user_id")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["user_id"] as String, $0["last"] as String) })
    }
}

/// The `sessions` projection: sign-ins, sign-outs and failed logins; a password change or a
/// disabled user ends the user's sessions.
struct SessionsApplier: ProjectionApplier {
    func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        guard case let .success(event) = decoded else { return }
        let at = Timestamps.utc(record.time)
        switch event {
        case let .sessionStarted(e):
            try SessionProjection.started(e, at: at, db)
            try LoginThrottleProjection.signedIn(e, at: at, db)
        case let .sessionEnded(e):
            try SessionProjection.ended(e, at: at, db)
        case let .loginFailed(e):
            try LoginThrottleProjection.failed(e, record: record, at: at, db)
        case let .credentialChanged(e):
            try SessionProjection.endAll(userId: e.userId, reason: "password_changed", at: at, db)
        case let .userStatusChanged(e) where e.disabled:
            try SessionProjection.endAll(userId: e.userId, reason: "user_disabled", at: at, db)
        default:
            break
        }
    }
}
