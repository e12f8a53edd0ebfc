import Foundation

// Events of the scheduler's governance (issue 4). `StageDue` and `MessageSkipped` live in
// MessagingEvents.swift; these are the decisions that only the scheduler makes.

/// Another installment at a stage that one message covers besides its own (a client gets one
/// reminder per moment, listing every installment due for one).
public struct CoveredItem: Codable, Sendable, Equatable, Hashable {
    public var installmentId: String
    public var stage: String

    public init(installmentId: String, stage: String) {
        self.installmentId = installmentId
        self.stage = stage
    }

    /// The key of an installment's message at a stage on a channel: `<installment>|<stage>|<channel>`.
    public static func messageKey(installmentId: String, stage: String, channel: Channel) -> String {
        "\(installmentId)|\(stage)|\(channel.rawValue)"
    }
}

/// The scheduler decided that a message goes out now (or a deferred one now that the quiet
/// hours are over). Decided under the ledger's write lock together with the checks it
/// passed (opt-out, 24 h rule, daily cap, quiet hours). Counts against the client's daily
/// cap of `sendDate`. `runId`/`pid`/`host` name the run that owns the send until its
/// `MessageRendered`/`MessageSent` are recorded: a crash recovery uses them.
public struct MessageScheduled: EventPayload {
    public static let eventType = "MessageScheduled"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    /// Local day (settings' time zone) the stage was decided on, `YYYY-MM-DD`.
    public var localDate: String
    /// Local day the message goes out on: the daily cap it counts against.
    public var sendDate: String
    /// Business time of this decision (the scheduler's clock).
    public var at: Date
    public var runId: String
    public var pid: Int
    public var host: String
    /// Set when this drains a `MessageDeferred`: the business time it had been deferred at.
    public var deferredAt: Date?
    /// Set when this run took over a decision whose run ended before dispatching it.
    public var reclaimedFrom: String?
    /// The other installments this message covers (absent: only its own).
    public var covers: [CoveredItem]?

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel,
                localDate: String, sendDate: String, at: Date, runId: String, pid: Int, host: String,
                deferredAt: Date? = nil, reclaimedFrom: String? = nil, covers: [CoveredItem]? = nil) {
        self.covers = covers
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.localDate = localDate
        self.sendDate = sendDate
        self.at = at
        self.runId = runId
        self.pid = pid
        self.host = host
        self.deferredAt = deferredAt
        self.reclaimedFrom = reclaimedFrom
    }
}

/// A message due while the quiet hours hold: not dropped, it goes out when the window opens
/// (`notBefore`), drained by the next run or the serve loop on that local day. It counts
/// against the daily cap of `sendDate`, the local day of `notBefore`.
public struct MessageDeferred: EventPayload {
    public static let eventType = "MessageDeferred"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    public var localDate: String
    public var sendDate: String
    public var notBefore: Date
    public var at: Date
    public var runId: String
    /// The other installments this message covers (absent: only its own).
    public var covers: [CoveredItem]?

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel,
                localDate: String, sendDate: String, notBefore: Date, at: Date, runId: String, covers: [CoveredItem]? = nil) {
        self.covers = covers
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.localDate = localDate
        self.sendDate = sendDate
        self.notBefore = notBefore
        self.at = at
        self.runId = runId
    }
}

/// A scheduled or deferred message that will not go out after all, with the reason:
/// `paid` (paid before the window opened), `opted_out`, `expired` (its day passed with no
/// run to send it: no late reminders).
public struct ScheduledMessageCancelled: EventPayload {
    public static let eventType = "ScheduledMessageCancelled"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    public var reason: String
    public var detail: String?
    public var at: Date

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel,
                reason: String, detail: String? = nil, at: Date) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.reason = reason
        self.detail = detail
        self.at = at
    }
}

/// A send was started (its `MessageRendered` is recorded) but its result never was: the
/// process died mid-request. Aviso sends at most once, so it is not sent again; the log
/// shows it as `unknown` for review, and a provider that can look the message up may
/// reconcile it later with the real status.
public struct SendOutcomeUnknown: EventPayload {
    public static let eventType = "SendOutcomeUnknown"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel?
    /// The run that owned the send, when known.
    public var ownerRunId: String?
    /// `owner_gone` (its process is no longer running) or `lease_expired`.
    public var reason: String
    public var at: Date

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel?,
                ownerRunId: String?, reason: String, at: Date) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.ownerRunId = ownerRunId
        self.reason = reason
        self.at = at
    }
}
