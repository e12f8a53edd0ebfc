import Foundation

/// A WhatsApp template invocation: an approved template name, its exact language code
/// (`es`, `es_MX`, …) and the positional body parameters, in template order.
public struct WhatsAppTemplateCall: Sendable, Equatable {
    public var name: String
    public var language: String
    public var bodyParameters: [String]

    public init(name: String, language: String, bodyParameters: [String]) {
        self.name = name
        self.language = language
        self.bodyParameters = bodyParameters
    }
}

/// One message to hand to a provider.
public struct OutgoingMessage: Sendable {
    /// E.164 with the leading `+` (Meta prepends the business number's country code otherwise).
    public var to: String
    public var channel: Channel
    /// SMS body, and the WhatsApp body when `allowFreeText` is true.
    public var text: String
    public var whatsappTemplate: WhatsAppTemplateCall?
    /// WhatsApp: send `type:text` only when true (24 h window known open); otherwise
    /// `type:template`, because free text outside the window fails with 131047.
    public var allowFreeText: Bool
    /// WhatsApp `biz_opaque_callback_data`, echoed back in status webhooks.
    public var callbackData: String?

    public init(
        to: String,
        channel: Channel,
        text: String,
        whatsappTemplate: WhatsAppTemplateCall? = nil,
        allowFreeText: Bool = false,
        callbackData: String? = nil
    ) {
        self.to = to
        self.channel = channel
        self.text = text
        self.whatsappTemplate = whatsappTemplate
        self.allowFreeText = allowFreeText
        self.callbackData = callbackData
    }
}

/// How a WhatsApp message goes out: free text only while the 24 h window is open, otherwise
/// the approved template (free text outside the window fails with 131047).
public enum WhatsAppForm: String, Sendable, Codable {
    case freeText = "free_text"
    case template

    /// nil: neither is possible (window closed and no approved template).
    public static func choose(allowFreeText: Bool, hasTemplate: Bool) -> WhatsAppForm? {
        allowFreeText ? .freeText : hasTemplate ? .template : nil
    }
}

extension OutgoingMessage {
    public var whatsappForm: WhatsAppForm? {
        WhatsAppForm.choose(allowFreeText: allowFreeText, hasTemplate: whatsappTemplate != nil)
    }
}

/// The provider accepted the request. This is not delivery: that arrives later by webhook.
public struct ProviderAcceptance: Sendable, Equatable {
    /// "whatsapp" | "twilio" | "dry-run"
    public var provider: String
    /// wamid, Twilio `SM…` sid, or `dry-run-<uuid>`.
    public var messageId: String
    /// WhatsApp "accepted"; Twilio the returned status ("queued", "accepted", …); dry-run "dry-run".
    public var initialStatus: String

    public init(provider: String, messageId: String, initialStatus: String) {
        self.provider = provider
        self.messageId = messageId
        self.initialStatus = initialStatus
    }
}

/// What the caller should do about a failed send.
public enum ProviderFailureKind: String, Sendable {
    /// Transient: back off and try again (rate limits, 5xx, timeouts, connection errors).
    case retryable
    /// This message will never go through as sent: fix the request/template, don't retry.
    case permanent
    /// The person can't get it on WhatsApp (131026, 131047, not on WhatsApp): send SMS instead.
    case fallbackToSMS
    /// Twilio 21610: the recipient replied STOP. Mark opted out; never retry.
    case optedOut
    /// 368, 131031, …: the WhatsApp account is restricted/locked. Stop all WhatsApp sends and alert.
    case stopChannel
    /// 190, 0, Twilio 20003: credentials rejected. Alert; retrying won't help.
    case authentication
}

/// A failed send. Every string in here is safe to log: no tokens, no full phone numbers.
public struct ProviderFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    /// Provider error code (Graph `error.code`, Twilio `code`), when the provider sent one.
    public var code: Int?
    public var httpStatus: Int?
    public var kind: ProviderFailureKind
    /// Graph `fbtrace_id`, for Meta support.
    public var traceId: String?
    /// Provider + code + short reason. Never a token, never the full phone number.
    public var summary: String

    public init(
        provider: String,
        code: Int? = nil,
        httpStatus: Int? = nil,
        kind: ProviderFailureKind,
        traceId: String? = nil,
        summary: String
    ) {
        self.provider = provider
        self.code = code
        self.httpStatus = httpStatus
        self.kind = kind
        self.traceId = traceId
        self.summary = summary
    }

    public var description: String { "ProviderFailure(\(kind.rawValue)): \(summary)" }
}

/// Something that can hand one message to a messaging provider.
public protocol MessageProvider: Sendable {
    /// "whatsapp" | "twilio" | "dry-run"
    var name: String { get }
    var channel: Channel { get }
    func send(_ message: OutgoingMessage) async throws(ProviderFailure) -> ProviderAcceptance
}
