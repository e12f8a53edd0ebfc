import AvisoLedger
import Foundation

/// The WhatsApp Business Account fields of Meta's webhook that are about the account, not a
/// message: a template's review status or category changed, or the number's quality or limit
/// tier did. Each becomes one event, so the history shows every change Meta made.
enum WhatsAppAccountWebhook {
    static let templateStatusField = "message_template_status_update"
    static let templateCategoryField = "template_category_update"
    static let qualityField = "phone_number_quality_update"

    /// The event for one `entry[].changes[]` item, nil for any other field or one missing what it needs.
    static func event(_ change: WhatsAppPayload.Change, receivedAt: Date) -> LedgerEvent? {
        guard let field = change.field, let value = change.value else { return nil }
        switch field {
        case templateStatusField:
            guard let name = value.message_template_name, let language = value.message_template_language,
                  let status = value.event, !name.isEmpty, !language.isEmpty, !status.isEmpty else { return nil }
            let reason = value.reason.flatMap { $0.uppercased() == "NONE" || $0.isEmpty ? nil : $0 }
            return .whatsappTemplateSynced(WhatsAppTemplateSynced(
                name: name, language: language, status: status.uppercased(),
                category: value.message_template_category?.uppercased(), body: nil, placeholders: nil,
                metaId: value.message_template_id?.value, reason: reason, source: "webhook:\(field)", at: receivedAt))
        case templateCategoryField:
            guard let name = value.message_template_name, let language = value.message_template_language,
                  let category = value.new_category, !name.isEmpty, !language.isEmpty else { return nil }
            return .whatsappTemplateSynced(WhatsAppTemplateSynced(
                name: name, language: language, status: nil, category: category.uppercased(), body: nil, placeholders: nil,
                metaId: value.message_template_id?.value, reason: nil, source: "webhook:\(field)", at: receivedAt))
        case qualityField:
            guard value.event != nil || value.current_limit != nil else { return nil }
            return .whatsappAccountHealthChanged(WhatsAppAccountHealthChanged(
                // The webhook names an event (FLAGGED, UNFLAGGED, UPGRADE…), not the rating itself:
                // the rating stays as last synced and the event is shown beside it.
                qualityRating: nil, messagingLimitTier: value.current_limit?.uppercased(),
                event: value.event?.uppercased(), source: "webhook:\(field)", at: receivedAt))
        default:
            return nil
        }
    }
}
