import AvisoLedger
import Hummingbird
import NIOCore

/// Who is calling: a console user (by session) or the scheduler's cron (by bearer secret).
public struct Caller: Sendable, Equatable {
    public var userId: String?
    public var login: String
    public var role: UserRole?
    public var name: String
    /// For a `cliente`: the one client they may see.
    public var clientId: String?
    public var isCron: Bool

    public static let cron = Caller(userId: nil, login: "cron", role: nil, name: "cron", clientId: nil, isCron: true)

    /// What the ledger records as the actor of what this caller causes.
    public var actor: String { isCron ? "cron" : "user:\(userId ?? login)" }
}

/// The request context: Hummingbird's core storage plus the caller's identity, which the
/// access middleware fills in before any controller runs.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?
    /// Set when the caller came with a session cookie (not with the cron secret).
    public var sessionId: String?
    public var csrfToken: String?
    /// The peer address as the socket sees it (the proxy, behind one).
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// WhatsApp batches reach 3 MB; nothing else here is near that.
    public var maxUploadSize: Int { WebhookLimits.maxBodyBytes }
}

public enum WebhookLimits {
    /// Meta's documented maximum payload.
    public static let maxBodyBytes = 3 * 1024 * 1024
    /// Statuses plus inbound messages in one WhatsApp request (Meta batches up to 1,000).
    /// Over it: 413 and nothing appended.
    public static let maxItemsPerRequest = 1_000
    /// A Twilio callback is one message's fields; 64 KB is far above any real one.
    public static let maxTwilioBodyBytes = 64 * 1024
}
