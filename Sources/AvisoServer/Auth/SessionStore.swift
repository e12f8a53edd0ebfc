import Foundation
import Synchronization

/// Console sessions, in memory only: keyed by the SHA-256 of the session id, so even a
/// memory dump holds no usable cookie. A restart signs everyone out, which is acceptable
/// for a small lender's console and keeps sessions out of the ledger and SQLite.
public final class SessionStore: Sendable {
    struct Entry: Sendable {
        var userId: String
        var csrfToken: String
        var expires: Date
    }

    public struct NewSession: Sendable {
        public var id: String
        public var csrfToken: String
        public var expires: Date
    }

    private let sessions = Mutex<[String: Entry]>([:])
    public let lifetime: TimeInterval

    public init(lifetime: TimeInterval) {
        self.lifetime = lifetime
    }

    public func create(userId: String, now: Date = Date()) -> NewSession {
        let id = Secrets.token()
        let csrf = Secrets.token()
        let expires = now.addingTimeInterval(lifetime)
        sessions.withLock { table in
            // Drop expired entries now and then so the table can't grow without bound.
            if table.count > 1_000 { table = table.filter { $0.value.expires > now } }
            table[Secrets.digest(id)] = Entry(userId: userId, csrfToken: csrf, expires: expires)
        }
        return NewSession(id: id, csrfToken: csrf, expires: expires)
    }

    /// The live session for a cookie value; an expired one is removed and gives nil.
    func lookup(_ id: String, now: Date = Date()) -> Entry? {
        let key = Secrets.digest(id)
        return sessions.withLock { table in
            guard let entry = table[key] else { return nil }
            guard entry.expires > now else {
                table[key] = nil
                return nil
            }
            return entry
        }
    }

    public func revoke(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: Secrets.digest(id)) }
    }

    /// Signs a user out everywhere (after a password change).
    public func revokeAll(userId: String) {
        sessions.withLock { table in table = table.filter { $0.value.userId != userId } }
    }

    public var count: Int { sessions.withLock { $0.count } }
}
