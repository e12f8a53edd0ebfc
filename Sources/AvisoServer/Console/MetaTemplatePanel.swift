import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import GRDB

/// Plantillas' view of what Meta says about a stage's WhatsApp template: its status, the
/// placeholder count against the parameters Aviso sends, and the approved body filled in with
/// the previewed client's values, so an admin sees before any send whether it will work.
struct MetaTemplatePanel: Sendable {
    var status: String
    var statusClass: String
    var category: String?
    var reason: String?
    /// Meta's body with the client's values, beside Aviso's own preview.
    var metaText: String?
    var placeholders: String?
    var parameters: Int
    /// Why a send would be refused; the send path skips WhatsApp (and falls back to SMS) for it.
    var refusal: String?
    var syncedAt: String?
    var canSync: Bool
    var stage: String

    static func build(_ db: Database, ref: WhatsAppTemplateRef?, values: [String]?, zone: TimeZone, canSync: Bool, stage: String) throws -> MetaTemplatePanel {
        let parameters = ref?.parameters.count ?? 0
        let state = try MetaTemplateLookup.state(db, for: ref)
        let row = try ref.flatMap { try WhatsAppAccountReadModel.template(db, name: $0.name, language: $0.language) }
        let synced = try WhatsAppAccountReadModel.account(db)?.catalogueSyncedAt
        return MetaTemplatePanel(
            status: label(state?.status), statusClass: statusClass(state?.status), category: row?.category, reason: row?.reason,
            metaText: state?.body.map { MetaTemplateBody.render($0, parameters: values ?? []) },
            placeholders: state?.placeholders.map { $0.isEmpty ? "ninguna" : $0.map { "{{\($0)}}" }.joined(separator: ", ") },
            parameters: parameters,
            refusal: state?.refusal(parameterCount: parameters).map { "No se enviará por WhatsApp: \($0.detail)." },
            syncedAt: synced.map { ConsoleFormatting.dateTime(utc: $0, in: zone) }, canSync: canSync, stage: stage)
    }

    /// Meta's status in Spanish; nil is "never synced".
    static func label(_ status: String?) -> String {
        switch status {
        case nil: "Sin sincronizar con Meta"
        case "APPROVED"?: "Aprobada"
        case "PENDING"?: "En revisión"
        case "REJECTED"?: "Rechazada"
        case "PAUSED"?: "Pausada por baja calidad"
        case "DISABLED"?: "Deshabilitada"
        case "IN_APPEAL"?: "En apelación"
        case "PENDING_DELETION"?: "Por eliminar"
        case MetaTemplateState.missing?: "No existe en Meta en este idioma"
        case let other?: other
        }
    }

    static func statusClass(_ status: String?) -> String {
        switch status {
        case "APPROVED"?: "ok"
        case nil, "PENDING"?, "IN_APPEAL"?: "neutro"
        default: "malo"
        }
    }
}

extension MetaTemplatePanel {
    /// The grid's short word for a stage's WhatsApp template: Meta's status, or the mismatch.
    static func gridBadge(_ db: Database, _ row: TemplateRecord) throws -> (String?, String) {
        let ref = row.whatsappName.map { WhatsAppTemplateRef(name: $0, language: row.whatsappLanguage ?? "es", parameters: row.whatsappParameters ?? []) }
        guard let state = try MetaTemplateLookup.state(db, for: ref) else { return (nil, "neutro") }
        if state.refusal(parameterCount: ref?.parameters.count ?? 0)?.reason == .templateMismatch { return ("Variables distintas", "malo") }
        return (label(state.status), statusClass(state.status))
    }
}

extension MetaTemplatePanel {
    /// One line per stage whose saved WhatsApp template Meta would refuse, for the warning
    /// shown before a run: `D-1 · recordatorio_pago_d1 (es): Meta pausó la plantilla…`.
    static func warnings(_ db: Database) throws -> [String] {
        try TemplateStage.allCases.compactMap { stage in
            guard let (template, _) = try TemplateLookup.template(db, stage: stage, channel: .whatsapp), let ref = template.whatsapp,
                  let refusal = try MetaTemplateLookup.state(db, for: ref)?.refusal(parameterCount: ref.parameters.count) else { return nil }
            return "\(stage.rawValue) · \(ref.name) (\(ref.language)): \(refusal.detail)"
        }
    }
}
