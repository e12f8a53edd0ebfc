import GRDB

/// A row of `notifications_log`: one message (or one decision not to send), its current state.
public struct NotificationRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "notifications_log"
    public var id: Int64?
    public var messageKey: String
    public var clientId: String
    public var installmentId: String?
    public var stage: String
    public var channel: String?
    public var provider: String?
    public var toE164: String?
    public var status: String
    public var statusRank: Int
    public var messageId: String?
    public var errorCode: String?
    public var detail: String?
    public var dryRun: Bool
    public var test: Bool
    public var fallbackOf: String?
    public var text: String?
    public var createdAt: String
    public var updatedAt: String
    /// A deferred message: when the quiet hours let it go (migration v3-reminders).
    public var notBefore: String?
}
