import AvisoLedger
import Foundation
import GRDB

/// What the login throttle counts, shared by every node through the log:
/// - `login_failures`: each `LoginFailed` (keys only), kept for a day; `pair_cleared` once
///   that login signed in from that address (the pair's counter restarts; the per-login and
///   per-address counters keep the failure, as they did in memory).
/// - `login_addresses`: the last sign-in of each (login, address), from `SessionStarted`.
public enum LoginThrottleProjection {
    /// Failures older than this are dropped: no throttle window is longer.
    public static let retention: TimeInterval = 24 * 3600

    static func migrateV6(_ db: Database) throws {
        try db.create(table: "login_failures") { t in
            t.primaryKey("position", .integer)
            t.column("login_key", .text).notNull()
            t.column("address_key", .text).notNull()
            t.column("at", .text).notNull()
            t.column("pair_cleared", .boolean).notNull().defaults(to: false)
        }
        try db.create(index: "login_failures_by_login", on: "login_failures", columns: ["login_key", "at"])
        try db.create(index: "login_failures_by_address", on: "login_failures", columns: ["address_key", "at"])
        try db.create(table: "login_addresses") { t in
            t.column("login_key", .text).notNull()
            t.column("address_key", .text).notNull()
            t.column("last_at", .text).notNull()
            t.primaryKey(["login_key", "address_key"])
        }
    }

    static func failed(_ e: LoginFailed, record: LedgerRecord, at: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM login_failures WHERE at < ?",
                       arguments: [Timestamps.utc(record.time.addingTimeInterval(-retention))])
        try db.execute(sql: "INSERT INTO login_failures (position, login_key, address_key, at) VALUES (?, ?, ?, ?)",
                       arguments: [Int64(record.position), e.loginKey, e.addressKey, at])
    }

    static func signedIn(_ e: SessionStarted, at: String, _ db: Database) throws {
        guard let login = e.loginKey, let address = e.addressKey else { return }
        try db.execute(sql: "UPDATE login_failures SET pair_cleared = 1 WHERE login_key = ? AND address_key = ?",
                       arguments: [login, address])
        try db.execute(sql: """
            INSERT INTO login_addresses (login_key, address_key, last_at) VALUES (?, ?, ?)
            ON CONFLICT(login_key, address_key) DO UPDATE SET last_at = excluded.last_at
            """, arguments: [login, address, at])
    }

    /// Failures after `since`: of the pair (not cleared by a sign-in), of the address, of the
    /// login; each with its earliest time (when its counter started).
    public struct Counts: Sendable, Equatable {
        public var pair: (count: Int, earliest: Date?)
        public var address: (count: Int, earliest: Date?)
        public var login: (count: Int, earliest: Date?)

        public static func == (a: Counts, b: Counts) -> Bool {
            a.pair == b.pair && a.address == b.address && a.login == b.login
        }
    }

    public static func counts(loginKey: String, addressKey: String, since: Date, _ db: Database) throws -> Counts {
        func count(_ condition: String, _ arguments: StatementArguments) throws -> (Int, Date?) {
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_failures WHERE at > ? AND \(condition)",
                                       arguments: [Timestamps.utc(since)] + arguments)
            return (row?["n"] ?? 0, (row?["first"] as String?).flatMap(Timestamps.parseUTC))
        }
        return Counts(pair: try count("login_key = ? AND address_key = ? AND pair_cleared = 0", [loginKey, addressKey]),
                      address: try count("address_key = ?", [addressKey]),
                      login: try count("login_key = ?", [loginKey]))
    }

    /// When this login last signed in from this address, if ever.
    public static func lastSignIn(loginKey: String, addressKey: String, _ db: Database) throws -> Date? {
        try String.fetchOne(db, sql: "SELECT last_at FROM login_addresses WHERE login_key = ? AND address_key = ?",
                            arguments: [loginKey, addressKey]).flatMap(Timestamps.parseUTC)
    }
}
