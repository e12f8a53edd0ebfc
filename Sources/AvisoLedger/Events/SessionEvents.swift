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
    /// The login throttle's keys of the sign-in (`LoginFailed`): it clears that (login,
    /// address) pair's failures and makes the address one the login is known at.
    public var loginKey: String?
    public var addressKey: String?

    public init(sessionDigest: String, userId: String, expiresAt: Date, loginKey: String? = nil, addressKey: String? = nil) {
        self.sessionDigest = sessionDigest
        self.userId = userId
        self.expiresAt = expiresAt
        self.loginKey = loginKey
        self.addressKey = addressKey
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

/// A sign-in (or a password check from an open session) failed. Recorded so that every node
/// throttles with the same counts. Only SHA-256 keys of the login and of the address are
/// kept: what was typed as a login (sometimes a password typed in the wrong field) and the
/// caller's address are not.
public struct LoginFailed: EventPayload {
    public static let eventType = "LoginFailed"
    public static let schemaVersion = 1
    public var loginKey: String
    public var addressKey: String

    public init(loginKey: String, addressKey: String) {
        self.loginKey = loginKey
        self.addressKey = addressKey
    }
}
