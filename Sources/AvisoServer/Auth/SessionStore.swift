import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// Console sessions, kept as ledger events (`SessionStarted`, `SessionEnded`) and read from
/// the `sessions` read model. Only the SHA-256 of a session id is recorded; the CSRF token is
/// derived from the id (`Secrets.derived`), so neither secret is stored anywhere. Every node
/// reading the same log honours the same sessions, a restart signs nobody out, and a password
/// change or a disabled user ends the user's sessions through those events themselves.
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

    private let log: any AuthLog
    public let lifetime: TimeInterval

    public init(log: any AuthLog, lifetime: TimeInterval) {
        self.log = log
        self.lifetime = lifetime
    }

    /// Starts a session for `userId`; it is recorded (durable) when this returns.
    /// `signIn`: the throttle's attempt that proved the password, if any (its keys go with
    /// the event: see `LoginThrottleProjection`).
    public func create(userId: String, signIn: LoginThrottle.Attempt? = nil, now: Date = Date()) async throws -> NewSession {
        let id = Secrets.token()
        let expires = now.addingTimeInterval(lifetime)
        let started = SessionStarted(sessionDigest: Secrets.digest(id), userId: userId, expiresAt: expires,
                                     loginKey: signIn?.loginKey, addressKey: signIn?.addressKey)
        try await log.append([NewEvent(.sessionStarted(started), actor: "user:\(userId)")])
        return NewSession(id: id, csrfToken: Self.csrfToken(for: id), expires: expires)
    }

    /// The live session for a cookie value: started, not ended, not expired.
    func lookup(_ id: String, now: Date = Date()) async throws -> Entry? {
        let digest = Secrets.digest(id)
        guard let row = try await log.readCurrent({ try SessionProjection.live(digest: digest, now: now, $0) }),
              let expires = Timestamps.parseUTC(row.expiresAt) else { return nil }
        return Entry(userId: row.userId, csrfToken: Self.csrfToken(for: id), expires: expires)
    }

    /// Signs the session out on every node. An unknown or already ended session records nothing.
    public func revoke(_ id: String, actor: String) async throws {
        guard try await lookup(id) != nil else { return }
        try await log.append([NewEvent(.sessionEnded(SessionEnded(sessionDigest: Secrets.digest(id), reason: "logout")),
                                       actor: actor)])
    }

    static func csrfToken(for sessionId: String) -> String {
        Secrets.derived(from: sessionId, purpose: "aviso-csrf-v1")
    }
}
