import Foundation

/// A user signed in to the console. The session id itself is a secret and is never
/// recorded: only its SHA-256 (hex), which cannot be turned back into a usable cookie but
/// lets any node holding the cookie find the session. Being an event, a sign-in on one node
/// is honoured by every node that projects the log, and "last login" is its time.
public struct SessionStarted: EventPayload {
    public static let eventType = "SessionStarted"
    public static let schemaVersion = 1
    public var sessionDigest: String
    public var userId: String
    public var expiresAt: Date

    public init(sessionDigest: String, userId: String, expiresAt: Date) {
        self.sessionDigest = sessionDigest
        self.userId = userId
        self.expiresAt = expiresAt
    }
}

/// A session ended before it expired (the user signed out). Sessions also end, without an
/// event of their own, when the user's password changes or the user is disabled.
public struct SessionEnded: EventPayload {
    public static let eventType = "SessionEnded"
    public static let schemaVersion = 1
    public var sessionDigest: String
    /// `logout`.
    public var reason: String

    public init(sessionDigest: String, reason: String) {
        self.sessionDigest = sessionDigest
        self.reason = reason
    }
}
