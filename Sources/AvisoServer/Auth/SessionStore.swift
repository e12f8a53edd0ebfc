import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// What sessions need from the data directory: to record their events, and to read the
/// read models caught up to the ledger's head (so a sign-out or a disabled user recorded
/// by another node or process counts at once).
public protocol SessionLog: Sendable {
    func append(_ events: [NewEvent]) async throws
    func readCurrent<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T
}

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

    private let log: any SessionLog
    public let lifetime: TimeInterval

    public init(log: any SessionLog, lifetime: TimeInterval) {
        self.log = log
        self.lifetime = lifetime
    }

    /// Starts a session for `userId`; it is recorded (durable) when this returns.
    public func create(userId: String, now: Date = Date()) async throws -> NewSession {
        let id = Secrets.token()
        let expires = now.addingTimeInterval(lifetime)
        try await log.append([NewEvent(.sessionStarted(SessionStarted(sessionDigest: Secrets.digest(id), userId: userId,
                                                                      expiresAt: expires)), actor: "user:\(userId)")])
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

/// Sessions recorded in this server's store: appended and projected at once; read after
/// catching the read models up when the ledger has records they have not seen (another
/// node's or an `aviso user disable` run's).
public struct StoreSessionLog: SessionLog {
    let store: AvisoStore
    let projector: BackgroundProjector

    public init(store: AvisoStore, projector: BackgroundProjector) {
        self.store = store
        self.projector = projector
    }

    public func append(_ events: [NewEvent]) async throws {
        try await store.append(events)
    }

    public func readCurrent<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if try store.projectionLag() > 0 { await projector.catchUp() }
        return try await store.readAsync(body)
    }
}
