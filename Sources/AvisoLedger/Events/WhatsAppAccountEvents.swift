import Foundation

/// What Meta says about one WhatsApp template (name × language): its review status, category
/// and body. Appended by the catalogue sync only when something changed, and by the
/// `message_template_status_update` / `template_category_update` webhooks, so the history
/// shows every change Meta made.
public struct WhatsAppTemplateSynced: EventPayload {
    public static let eventType = "WhatsAppTemplateSynced"
    public static let schemaVersion = 1
    public var name: String
    public var language: String
    /// Meta's word, upper case: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, IN_APPEAL,
    /// PENDING_DELETION, ARCHIVED…, or `MISSING` when a template Aviso saw before is no longer
    /// in the catalogue. Nil when the change did not say (a category update).
    public var status: String?
    /// UTILITY, MARKETING, AUTHENTICATION; nil when unknown.
    public var category: String?
    /// The BODY component's text with its `{{n}}` placeholders; nil when the source does not carry it (webhooks).
    public var body: String?
    /// The placeholders of `body` in order of first appearance: `1`, `2`… or names.
    public var placeholders: [String]?
    /// Meta's template id.
    public var metaId: String?
    /// Meta's reason (rejections, pauses), when given.
    public var reason: String?
    /// `sync`, `webhook:message_template_status_update`, `webhook:template_category_update`.
    public var source: String
    public var at: Date

    public init(name: String, language: String, status: String?, category: String?, body: String?, placeholders: [String]?,
                metaId: String?, reason: String?, source: String, at: Date) {
        self.name = name
        self.language = language
        self.status = status
        self.category = category
        self.body = body
        self.placeholders = placeholders
        self.metaId = metaId
        self.reason = reason
        self.source = source
        self.at = at
    }
}

/// The business phone number's standing with Meta: quality rating and messaging limit tier,
/// from the account sync or the `phone_number_quality_update` webhook. Appended when it changed.
public struct WhatsAppAccountHealthChanged: EventPayload {
    public static let eventType = "WhatsAppAccountHealthChanged"
    public static let schemaVersion = 1
    /// GREEN, YELLOW, RED, UNKNOWN; nil when the source did not say.
    public var qualityRating: String?
    /// TIER_250, TIER_1K, TIER_10K, TIER_100K, TIER_UNLIMITED…; nil when the source did not say.
    public var messagingLimitTier: String?
    /// The webhook's `event` (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE…), when it came from one.
    public var event: String?
    /// `sync` or `webhook:phone_number_quality_update`.
    public var source: String
    public var at: Date

    public init(qualityRating: String?, messagingLimitTier: String?, event: String?, source: String, at: Date) {
        self.qualityRating = qualityRating
        self.messagingLimitTier = messagingLimitTier
        self.event = event
        self.source = source
        self.at = at
    }
}
