import Foundation

/// A person wrote to us (WhatsApp message, SMS reply). For WhatsApp this opens (or resets)
/// the 24-hour customer-service window for `from`. The text itself is not kept: only that
/// someone wrote, when, and through which provider.
public struct InboundMessageReceived: EventPayload {
    public static let eventType = "InboundMessageReceived"
    public static let schemaVersion = 1
    /// `whatsapp` or `twilio`.
    public var provider: String
    /// E.164 number the message came from.
    public var from: String
    /// When the provider says the person wrote (its timestamp), else when we received it.
    public var at: Date
    /// The provider's id of the inbound message (`wamid.…`, `SM…`), when given.
    public var messageId: String?

    public init(provider: String, from: String, at: Date, messageId: String? = nil) {
        self.provider = provider
        self.from = from
        self.at = at
        self.messageId = messageId
    }
}
