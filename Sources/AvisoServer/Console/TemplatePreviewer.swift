import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation

/// Renders a template that may not be saved yet for one client, with the same values the
/// server's preview endpoint uses (`MessageDraftBuilder`), only swapping in the posted text.
/// SMS only: the alphabet, parts and estimated cost factor of what would be sent.
struct TemplatePreviewer: Sendable {
    let store: AvisoStore
    let providers: [Channel: String]

    /// What the page and the live-preview JSON show. `error` is Spanish, for the editor.
    struct Result: Sendable, Encodable {
        var text: String?
        var error: String?
        var encoding: String?
        var segments: Int?
        var characters: Int?
        /// Parts × the SMS channel's factor: 1 is one GSM-7 part.
        var costFactor: Double?
        /// The same, for a person: `×1 (un SMS de un segmento)`.
        var cost: String?
        var to: String?
        var whatsapp: String?
        /// The values of the WhatsApp body parameters, in order: Meta's approved body is filled with them.
        var whatsappValues: [String]?
    }

    func preview(_ template: MessageTemplate, clientId: String?, caller: Caller) async -> Result {
        do {
            try TemplateRenderer.validate(template)
        } catch {
            return Result(error: error.description)
        }
        do {
            let draft = try await store.readAsync { db -> MessageDraft? in
                let id = try clientId.flatMap { $0.isEmpty ? nil : $0 }
                    ?? String.fetchOne(db, sql: "SELECT id FROM clients ORDER BY id LIMIT 1")
                guard let id else { return nil }
                _ = try ClientScope.client(id, for: caller, db)
                var draft = try MessageDraftBuilder.build(db, clientId: id, stageName: TemplateSelection.schedulerName(template.stage),
                                                          channel: template.channel, single: true)
                draft.template = template
                draft.context.transliteratesSMS = try MessagingSettings.current(db).transliteratesSMS
                return draft
            }
            guard let draft else { return Result(error: "No hay clientes para la vista previa.") }
            let rendered = try draft.render()
            let shown = MessagePreview(draft: draft, rendered: rendered, provider: providers[draft.channel] ?? "dry-run")
            let sms = draft.channel == .sms ? rendered.sms : nil
            return Result(text: shown.text, encoding: sms?.encoding.rawValue, segments: sms?.segments, characters: sms?.characters,
                          costFactor: sms?.costFactor, cost: sms.map(ConsoleFormatting.cost),
                          to: shown.to ?? shown.toError.map { "número inválido (\($0))" },
                          whatsapp: shown.whatsappTemplate.map { w in
                              "\(w.name) (\(w.language))" + (w.parameters.isEmpty ? "" : ": " + w.parameters.enumerated()
                                  .map { "{{\($0.offset + 1)}} = \($0.element)" }.joined(separator: ", "))
                          }, whatsappValues: shown.whatsappTemplate?.parameters)
        } catch let error as MessageDraftError {
            if case let .render(e) = error { return Result(error: e.description) }
            return Result(error: "No se pudo preparar la vista previa: \(error.description)")
        } catch let error as APIError where error.status == .forbidden {
            return Result(error: "No puede ver ese cliente.")
        } catch let error as APIError where error.status == .notFound {
            return Result(error: "Ese cliente no existe.")
        } catch {
            return Result(error: "No se pudo preparar la vista previa.")
        }
    }
}
