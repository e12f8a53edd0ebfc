import AvisoLedger
import Foundation

/// Everything the one send path needs to message a client about a stage. Built by the
/// scheduler (and the test-send endpoint) from the read models.
public struct SendRequest: Sendable {
    /// Ties the message's events together; with `onlyChannel` it is the message's key as is,
    /// otherwise each channel's message gets `<key>:<channel>`.
    public var messageKey: String
    public var clientId: String
    public var installmentId: String?
    /// The scheduler's stage name: `D-2`, `WEEKLY_3`, `REACTIVATE_OVERDUE`, `TEST`…
    public var stage: String
    /// The client's number as the lender typed it, and the client's default country.
    public var phone: String
    public var phoneCountry: String?
    public var preferredChannel: PreferredChannel
    /// Only this channel (the test endpoint's `channel`), whatever the preference.
    public var onlyChannel: Channel?
    /// The stage's template for each channel.
    public var templates: [Channel: MessageTemplate]
    public var context: TemplateContext
    /// Record as a dry run even if the providers are configured.
    public var dryRun: Bool
    /// A test send from the console: recorded with `test: true`, not counted against caps.
    public var test: Bool
    /// WhatsApp free text allowed (the 24 h window is known open, or a TEST asking for it).
    public var allowFreeText: Bool
    /// Business time of the decision.
    public var at: Date
    /// Who caused it: `scheduler`, a user id…
    public var actor: String
    /// A WhatsApp that can't reach this person may go once more by SMS. False when the same
    /// moment already has its own SMS (a `both` client): one SMS, not two.
    public var smsFallback: Bool
    /// What Meta's synced catalogue says about the WhatsApp template; nil when never synced.
    /// A template Meta would refuse is not sent on WhatsApp (see `MetaTemplateState.refusal`).
    public var whatsappTemplateOnMeta: MetaTemplateState?

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, phone: String,
                phoneCountry: String?, preferredChannel: PreferredChannel, onlyChannel: Channel? = nil,
                templates: [Channel: MessageTemplate], context: TemplateContext, dryRun: Bool, test: Bool = false,
                allowFreeText: Bool = false, at: Date, actor: String, smsFallback: Bool = true,
                whatsappTemplateOnMeta: MetaTemplateState? = nil) {
        self.whatsappTemplateOnMeta = whatsappTemplateOnMeta
        self.smsFallback = smsFallback
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.phone = phone
        self.phoneCountry = phoneCountry
        self.preferredChannel = preferredChannel
        self.onlyChannel = onlyChannel
        self.templates = templates
        self.context = context
        self.dryRun = dryRun
        self.test = test
        self.allowFreeText = allowFreeText
        self.at = at
        self.actor = actor
    }
}

extension SendRequest {
    /// The key of this request's message on `channel`: the request's own key when it names
    /// one channel (the scheduler keys each channel's message itself), else `<key>:<channel>`.
    func key(for channel: Channel) -> String {
        onlyChannel == nil ? "\(messageKey):\(channel.rawValue)" : messageKey
    }
}

/// What became of one request, a line per message (or non-message).
public struct SendReport: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case sent(channel: Channel, messageKey: String, messageId: String, dryRun: Bool)
        case failed(channel: Channel, messageKey: String, code: String?, retryable: Bool)
        case ignoredInvalidPhone(reason: String)
        case skipped(channel: Channel?, reason: SkipReason, detail: String)
    }

    public var outcomes: [Outcome] = []

    public var sentCount: Int { outcomes.filter { if case .sent = $0 { true } else { false } }.count }
    public var failedCount: Int { outcomes.filter { if case .failed = $0 { true } else { false } }.count }
}
