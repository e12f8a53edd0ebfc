/// A named, versioned event. The name and version are stored with every record; bump the
/// version when a field's meaning changes, and teach `EventCatalogue` to upcast the old one.
public protocol EventPayload: Codable, Sendable, Equatable {
    static var eventType: String { get }
    static var schemaVersion: Int { get }
    /// The client this event is about, for `aviso history --client`.
    var clientId: String? { get }
}

extension EventPayload {
    public var clientId: String? { nil }
}

/// The messaging channels.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case whatsapp, sms
}

/// A provider's report of where a message is. Ranked so projections never move backwards.
public enum DeliveryStatus: String, Codable, Sendable, CaseIterable {
    case accepted, queued, sending, sent, delivered, read, failed, undelivered, canceled

    /// accepted/queued < sending < sent < delivered < read; failed, undelivered and canceled are final.
    public var rank: Int {
        switch self {
        case .accepted, .queued: 1
        case .sending: 2
        case .sent: 3
        case .delivered: 4
        case .read: 5
        case .failed, .undelivered, .canceled: 6
        }
    }

    public var isFinal: Bool { rank == 6 }

    /// Whether a message now at `self` should move to `next`.
    public func shouldAdvance(to next: DeliveryStatus) -> Bool {
        !isFinal && next.rank > rank
    }
}

/// Why a message was not sent.
public enum SkipReason: String, Codable, Sendable, CaseIterable {
    case quietHours = "quiet_hours"
    case dailyCap = "daily_cap"
    case duplicateStage = "duplicate_stage"
    case within24h = "within_24h"
    case optedOut = "opted_out"
    case fixedLine = "fixed_line"
    case noProvider = "no_provider"
    case channelStopped = "channel_stopped"
    case renderError = "render_error"
    case paid
    /// Already in another message to the client that day (one reminder per client per moment).
    case covered
    /// Meta's catalogue says the WhatsApp template is not approved (or does not exist).
    case templateNotApproved = "template_not_approved"
    /// The approved WhatsApp template has a different number of variables than Aviso sends.
    case templateMismatch = "template_mismatch"
    /// An admin paused sending to this client (`ClientPauseChanged`).
    case paused
}
