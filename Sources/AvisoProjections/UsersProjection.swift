import AvisoLedger
import GRDB

/// `users`: console accounts, their password hashes and whether they are disabled.
struct UsersApplier: ProjectionApplier {
    func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        guard case let .success(event) = decoded else { return }
        let at = Timestamps.utc(record.time)
        switch event {
        case let .userCreated(e):
            // A login already taken keeps its first owner: the console refuses duplicates before appending.
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO users (id, login, role, name, client_id, password_hash, created_at, password_changed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [e.userId, e.login, e.role.rawValue, e.name, e.linkedClientId, e.passwordHash, at, at])

        case let .credentialChanged(e):
            try db.cachedStatement(sql: "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ? WHERE id = ?")
                .execute(arguments: [e.passwordHash, at, e.mustChange == true ? true : nil, e.userId])

        case let .userStatusChanged(e):
            try db.cachedStatement(sql: "UPDATE users SET disabled = ? WHERE id = ?").execute(arguments: [e.disabled, e.userId])

        default:
            break
        }
    }
}
