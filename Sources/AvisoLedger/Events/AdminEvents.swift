/// A message template was saved (or restored). Full text, so history can show previous versions.
public struct TemplateChanged: EventPayload {
    public static let eventType = "TemplateChanged"
    public static let schemaVersion = 1
    public var stage: String
    public var channel: Channel
    public var body: String
    /// Meta's approved template for WhatsApp: name, language and the variables filling {{1}}, {{2}}…
    public var whatsappName: String?
    public var whatsappLanguage: String?
    public var whatsappParameters: [String]?
    /// `default` when loaded from the shipped defaults, `restore:<position>` when restored.
    public var origin: String?

    public init(stage: String, channel: Channel, body: String, whatsappName: String? = nil,
                whatsappLanguage: String? = nil, whatsappParameters: [String]? = nil, origin: String? = nil) {
        self.stage = stage
        self.channel = channel
        self.body = body
        self.whatsappName = whatsappName
        self.whatsappLanguage = whatsappLanguage
        self.whatsappParameters = whatsappParameters
        self.origin = origin
    }
}

public enum UserRole: String, Codable, Sendable, CaseIterable {
    case admin, asesor, cliente
}

/// A console user. `passwordHash` is a bcrypt hash, never a password; no view prints it.
public struct UserCreated: EventPayload {
    public static let eventType = "UserCreated"
    public static let schemaVersion = 1
    public var userId: String
    public var login: String
    public var role: UserRole
    public var name: String
    /// For `cliente` users: the one client they may see.
    public var linkedClientId: String?
    public var passwordHash: String

    public var clientId: String? { linkedClientId }

    public init(userId: String, login: String, role: UserRole, name: String, linkedClientId: String?, passwordHash: String) {
        self.userId = userId
        self.login = login
        self.role = role
        self.name = name
        self.linkedClientId = linkedClientId
        self.passwordHash = passwordHash
    }
}

/// A user's password changed. Only the new bcrypt hash is kept.
public struct CredentialChanged: EventPayload {
    public static let eventType = "CredentialChanged"
    public static let schemaVersion = 1
    public var userId: String
    public var passwordHash: String
    /// An admin's reset to a one-time password: the user must choose a new one at the next
    /// login. Absent (older events, a user's own change): no change required.
    public var mustChange: Bool?

    public init(userId: String, passwordHash: String, mustChange: Bool? = nil) {
        self.userId = userId
        self.passwordHash = passwordHash
        self.mustChange = mustChange
    }
}

/// An admin disabled (or enabled again) a user: a disabled user cannot sign in and their
/// sessions end.
public struct UserStatusChanged: EventPayload {
    public static let eventType = "UserStatusChanged"
    public static let schemaVersion = 1
    public var userId: String
    public var disabled: Bool

    public init(userId: String, disabled: Bool) {
        self.userId = userId
        self.disabled = disabled
    }
}

/// Messaging settings changed. Only the fields given change; nil means "leave as is".
public struct SettingsChanged: EventPayload {
    public static let eventType = "SettingsChanged"
    public static let schemaVersion = 1
    public var timeZone: String?
    /// `HH:mm`, local; the window may cross midnight (start inclusive, end exclusive).
    public var quietHoursStart: String?
    public var quietHoursEnd: String?
    public var dailyCap: Int?
    public var enabledStages: [String]?
    public var weeklyMaximum: Int?
    /// Local `HH:mm` times at which `serve` runs the reminders and the reactivation.
    public var runTime: String?
    public var reactivateTime: String?
    public var reactivatePendingDays: Int?
    public var reactivateIntervalDays: Int?
    public var whatsappMessagesPerSecond: Double?
    /// Fold every rendered SMS to GSM-7 (one part costs a third of UCS-2). Absent in events
    /// written before it existed: those leave it as it was (on by default).
    public var smsTransliteration: Bool?
    /// Stop all sending (true) or resume it (false), with the admin's reason. Absent in
    /// events written before pausing existed: those leave it as it was (not paused).
    public var paused: Bool?
    public var pauseReason: String?
    /// Quetzales per SMS segment, for the dashboard's cost estimate. Absent: left as it was.
    public var smsSegmentPrice: Double?

    public init(timeZone: String? = nil, quietHoursStart: String? = nil, quietHoursEnd: String? = nil,
                dailyCap: Int? = nil, enabledStages: [String]? = nil, weeklyMaximum: Int? = nil,
                runTime: String? = nil, reactivateTime: String? = nil, reactivatePendingDays: Int? = nil,
                reactivateIntervalDays: Int? = nil, whatsappMessagesPerSecond: Double? = nil,
                smsTransliteration: Bool? = nil, paused: Bool? = nil, pauseReason: String? = nil,
                smsSegmentPrice: Double? = nil) {
        self.smsSegmentPrice = smsSegmentPrice
        self.smsTransliteration = smsTransliteration
        self.paused = paused
        self.pauseReason = pauseReason
        self.timeZone = timeZone
        self.quietHoursStart = quietHoursStart
        self.quietHoursEnd = quietHoursEnd
        self.dailyCap = dailyCap
        self.enabledStages = enabledStages
        self.weeklyMaximum = weeklyMaximum
        self.runTime = runTime
        self.reactivateTime = reactivateTime
        self.reactivatePendingDays = reactivatePendingDays
        self.reactivateIntervalDays = reactivateIntervalDays
        self.whatsappMessagesPerSecond = whatsappMessagesPerSecond
    }
}
