import Foundation

/// The scheduler found an installment (or client, for reactivation) due for a stage today.
public struct StageDue: EventPayload {
    public static let eventType = "StageDue"
    public static let schemaVersion = 1
    public var clientId: String?
    public var installmentId: String?
    /// `D-15` … `D+3`, `WEEKLY_n`, `REACTIVATE_PENDING`, `REACTIVATE_OVERDUE`.
    public var stage: String
    /// The local date (settings' time zone) the stage is due on, `YYYY-MM-DD`.
    public var localDate: String

    public init(clientId: String, installmentId: String?, stage: String, localDate: String) {
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.localDate = localDate
    }
}

/// A message's text was rendered from a template. `messageKey` ties a message's events together.
public struct MessageRendered: EventPayload {
    public static let eventType = "MessageRendered"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    public var text: String
    public var templateVersion: Int?

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel, text: String, templateVersion: Int? = nil) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.text = text
        self.templateVersion = templateVersion
    }
}

/// A provider accepted a message (or a dry run pretended to).
public struct MessageSent: EventPayload {
    public static let eventType = "MessageSent"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    /// `whatsapp`, `twilio` or `dry-run`.
    public var provider: String
    /// E.164 number the message went to.
    public var to: String
    /// `wamid.…`, `SM…` or `dry-run-…`.
    public var messageId: String
    public var status: DeliveryStatus
    public var dryRun: Bool
    public var test: Bool
    /// The message key this one falls back from (a WhatsApp failure retried on SMS).
    public var fallbackOf: String?
    /// When the send was decided, in business time (the scheduler's clock).
    public var at: Date

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel,
                provider: String, to: String, messageId: String, status: DeliveryStatus, dryRun: Bool,
                test: Bool = false, fallbackOf: String? = nil, at: Date) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.provider = provider
        self.to = to
        self.messageId = messageId
        self.status = status
        self.dryRun = dryRun
        self.test = test
        self.fallbackOf = fallbackOf
        self.at = at
    }
}

/// A provider refused a message, or every retry failed.
public struct SendFailed: EventPayload {
    public static let eventType = "SendFailed"
    public static let schemaVersion = 1
    public var messageKey: String
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    public var provider: String
    public var to: String
    public var errorCode: String?
    public var retryable: Bool
    public var attempts: Int
    /// Safe summary: provider, code and trace id only.
    public var detail: String
    public var at: Date

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel,
                provider: String, to: String, errorCode: String?, retryable: Bool, attempts: Int, detail: String, at: Date) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.provider = provider
        self.to = to
        self.errorCode = errorCode
        self.retryable = retryable
        self.attempts = attempts
        self.detail = detail
        self.at = at
    }
}

/// A status callback from a provider's webhook. Every one is kept, duplicates and late ones too.
public struct DeliveryStatusReceived: EventPayload {
    public static let eventType = "DeliveryStatusReceived"
    public static let schemaVersion = 1
    public var provider: String
    public var messageId: String
    public var status: DeliveryStatus
    public var errorCode: String?
    public var providerTime: Date?
    public var recipient: String?
    /// Aviso's message key as the provider echoed it back (WhatsApp `biz_opaque_callback_data`,
    /// the Twilio `StatusCallback` URL's query): links a send whose `MessageSent` was never recorded.
    public var messageKey: String?
    /// WhatsApp's `pricing` object, when the status carried one (`sent`, and one of
    /// `delivered`/`read`). Optional and added later: older records simply lack them.
    public var pricingBillable: Bool?
    /// `PMP` (per message) or the older `CBP`.
    public var pricingModel: String?
    /// `utility`, `marketing`, `service`, `authentication`…
    public var pricingCategory: String?
    /// `regular`, `free_customer_service`, `free_entry_point`.
    public var pricingType: String?

    public init(provider: String, messageId: String, status: DeliveryStatus, errorCode: String? = nil, providerTime: Date? = nil,
                recipient: String? = nil, messageKey: String? = nil, pricingBillable: Bool? = nil, pricingModel: String? = nil,
                pricingCategory: String? = nil, pricingType: String? = nil) {
        self.pricingBillable = pricingBillable
        self.pricingModel = pricingModel
        self.pricingCategory = pricingCategory
        self.pricingType = pricingType
        self.messageKey = messageKey
        self.provider = provider
        self.messageId = messageId
        self.status = status
        self.errorCode = errorCode
        self.providerTime = providerTime
        self.recipient = recipient
    }
}

/// A client's number cannot receive messages; nothing was sent.
public struct IgnoredInvalidPhone: EventPayload {
    public static let eventType = "IgnoredInvalidPhone"
    public static let schemaVersion = 1
    public var clientId: String?
    public var installmentId: String?
    public var stage: String?
    public var reason: String
    /// The raw value with all but its last 4 digits masked.
    public var rawMasked: String
    public var at: Date
    /// The message this decided not to send, when it had a key (a scheduled message).
    public var messageKey: String?

    public init(clientId: String, installmentId: String?, stage: String?, reason: String, rawMasked: String, at: Date,
                messageKey: String? = nil) {
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.reason = reason
        self.rawMasked = rawMasked
        self.at = at
    }
}

/// A message the governance rules held back, with the reason.
public struct MessageSkipped: EventPayload {
    public static let eventType = "MessageSkipped"
    public static let schemaVersion = 1
    public var clientId: String?
    public var installmentId: String?
    public var stage: String
    public var channel: Channel?
    public var reason: SkipReason
    public var detail: String?
    public var at: Date
    /// The message held back, when it had a key (the send path skipping a scheduled message).
    public var messageKey: String?

    public init(clientId: String, installmentId: String?, stage: String, channel: Channel?, reason: SkipReason, detail: String? = nil, at: Date,
                messageKey: String? = nil) {
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

/// A person asked not to be messaged (STOP/BAJA…, or the provider said so: Twilio 21610).
public struct OptedOut: EventPayload {
    public static let eventType = "OptedOut"
    public static let schemaVersion = 1
    public var clientId: String?
    /// E.164 number that opted out.
    public var phone: String
    public var channel: Channel?
    /// What told us: `keyword:BAJA`, `twilio:21610`…
    public var source: String

    public init(clientId: String?, phone: String, channel: Channel?, source: String) {
        self.clientId = clientId
        self.phone = phone
        self.channel = channel
        self.source = source
    }
}
