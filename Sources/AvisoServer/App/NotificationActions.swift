import AvisoLedger
import AvisoMessaging
import Foundation

/// The send path and the scheduler, as the server calls them. The real implementation
/// (messaging providers + `AvisoScheduler`) is passed into `buildApplication`.
public protocol NotificationActions: Sendable {
    /// Sends (or dry-runs) one test message through the same send path as the scheduler,
    /// recorded with `actor` and `test: true`. Governance caps must not block it; quiet hours
    /// only add a warning.
    func sendTest(_ request: TestSendRequest, actor: String) async throws -> TestSendResult
    /// A reminders run (`/api/notifications/run`). Must be safe to call concurrently.
    func run(dryRun: Bool, actor: String) async throws -> RunSummary
    /// A reactivation run (`/api/notifications/reactivate`). Must be safe to call concurrently.
    func reactivate(dryRun: Bool, actor: String) async throws -> RunSummary
}

/// `POST /api/notifications/test` body.
public struct TestSendRequest: Codable, Sendable, Equatable {
    public var clientId: String
    /// A scheduler stage name (`D-2`, `WEEKLY_1`…) or `TEST` (the default).
    public var stage: String?
    /// nil: the client's preferred channel.
    public var channel: Channel?
    /// nil counts as false; a dry run never calls a provider.
    public var dryRun: Bool?

    public init(clientId: String, stage: String? = nil, channel: Channel? = nil, dryRun: Bool? = nil) {
        self.clientId = clientId
        self.stage = stage
        self.channel = channel
        self.dryRun = dryRun
    }
}

/// What a test send did.
public struct TestSendResult: Codable, Sendable, Equatable {
    public var messageKey: String
    public var clientId: String
    public var stage: String
    public var channel: Channel
    public var provider: String
    /// Masked: all but the last 4 digits.
    public var to: String?
    /// `sent`, `failed`, `skipped`, … as recorded.
    public var status: String
    public var messageId: String?
    public var dryRun: Bool
    public var text: String?
    public var errorCode: String?
    /// E.g. quiet hours: the test still goes, but the caller is told.
    public var warnings: [String]
    /// WhatsApp only: `free_text` (the 24 h window is open) or `template` (closed: the
    /// approved template, named in `whatsappTemplate`).
    public var whatsappForm: WhatsAppForm?
    public var whatsappTemplate: String?

    public init(messageKey: String, clientId: String, stage: String, channel: Channel, provider: String, to: String?,
                status: String, messageId: String?, dryRun: Bool, text: String?, errorCode: String? = nil, warnings: [String] = []) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.stage = stage
        self.channel = channel
        self.provider = provider
        self.to = to
        self.status = status
        self.messageId = messageId
        self.dryRun = dryRun
        self.text = text
        self.errorCode = errorCode
        self.warnings = warnings
    }
}

/// What a run (reminders or reactivation) did, as the routes answer it.
public struct RunSummary: Codable, Sendable, Equatable {
    /// `run` or `reactivate`.
    public var kind: String
    public var dryRun: Bool
    public var actor: String
    public var startedAt: Date
    public var finishedAt: Date
    /// Stages found due and recorded (`StageDue`).
    public var due: Int
    public var sent: Int
    public var failed: Int
    public var ignoredInvalidPhone: Int
    /// Skipped messages by `SkipReason` raw value.
    public var skipped: [String: Int]
    /// Held by quiet hours; sent by the serve loop when the window opens.
    public var deferred: Int
    /// Sends a crashed run left without an outcome (never re-sent).
    public var unknown: Int
    /// When a run was already in progress and this call joined or skipped it.
    public var note: String?

    public init(kind: String, dryRun: Bool, actor: String, startedAt: Date, finishedAt: Date, due: Int, sent: Int,
                failed: Int, ignoredInvalidPhone: Int, skipped: [String: Int], deferred: Int = 0, unknown: Int = 0, note: String? = nil) {
        self.deferred = deferred
        self.unknown = unknown
        self.kind = kind
        self.dryRun = dryRun
        self.actor = actor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.due = due
        self.sent = sent
        self.failed = failed
        self.ignoredInvalidPhone = ignoredInvalidPhone
        self.skipped = skipped
        self.note = note
    }
}

/// Errors the actions may throw; the routes map them to statuses.
public enum NotificationActionError: Error, Sendable, Equatable {
    /// 404
    case notFound(String)
    /// 422
    case invalid(String)
    /// 409
    case conflict(String)
    /// 503: e.g. no provider configured and not a dry run.
    case unavailable(String)
}
