import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import Hummingbird

/// `GET/POST /configuracion/mensajeria`: admins edit, asesores read (the role table decides
/// both: the POST line is admin-only, and the page disables the form for whoever can't post).
struct MessagingSettingsController {
    typealias Context = AppRequestContext
    static let path = "/configuracion/mensajeria"
    let store: AvisoStore
    let providers: ProviderStatus
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("mensajeria", use: show)
        routes.post("mensajeria", use: save)
        return routes
    }

    struct FieldView: Sendable {
        var name: String
        var label: String
        var value: String
        var hint: String?
        var inputmode: String
        var message: String?
    }

    struct StageView: Sendable {
        var value: String
        var label: String
        var checked: Bool
    }

    struct PageData: Sendable {
        var editable: Bool
        var error: String?
        var fields: [FieldView]
        var stages: [StageView]
        var stagesMessage: String?
        /// SMS folded to GSM-7 (one part instead of up to three).
        var smsGSM7: Bool
        var updated: String?
        var providers: [ProviderStatus.Row]
        var publicURL: String?
        var webhooks: [ProviderStatus.Webhook]
        /// The WhatsApp number's health and cost (`WhatsAppAccountView`); nil if unreadable.
        var whatsappAccount: WhatsAppAccountView? = nil
        var history: [SettingsHistoryView.Entry]
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let (settings, updated) = try await current()
        let notice: String? = switch request.uri.queryParameters["ok"].map(String.init) ?? "" {
        case "guardado": "Configuración guardada."
        case "sin-cambios": "No había cambios que guardar."
        default: nil
        }
        return try await render(SettingsForm(settings), invalid: nil, updated: updated, context: context, notice: notice)
    }

    @Sendable func save(_ request: Request, context: Context) async throws -> Response {
        let form = SettingsForm(try await FormFields.read(request, context: context))
        let (settings, updated) = try await current()
        let change: SettingsChanged
        do {
            change = try form.change(from: settings)
        } catch {
            return try await render(form, invalid: error, updated: updated, context: context, notice: nil, status: .unprocessableContent)
        }
        guard !change.isEmpty else { return ConsoleViews.redirect(Self.path + "?ok=sin-cambios") }
        try await store.append(.settingsChanged(change), actor: context.caller!.actor)
        context.logger.info("settings changed", metadata: ["actor": "\(context.caller!.actor)"])
        return ConsoleViews.redirect(Self.path + "?ok=guardado")
    }

    private func current() async throws -> (MessagingSettings, String?) {
        try await store.readAsync { db in
            let s = try MessagingSettings.current(db)
            guard let at = s.updatedAt else { return (s, nil) }
            let who = try s.updatedBy.map { try ConsoleFormatting.actorName($0, db) } ?? ""
            return (s, ConsoleFormatting.dateTime(utc: at, in: s.zone) + (who.isEmpty ? "" : " por \(who)"))
        }
    }

    private func render(_ form: SettingsForm, invalid: SettingsForm.Invalid?, updated: String?, context: Context,
                        notice: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let editable = ConsoleAccess.allows(context.caller?.role, "POST", Self.path)
        let fields = SettingsForm.Field.allCases.map { f in
            FieldView(name: f.rawValue, label: f.label, value: form.values[f] ?? "", hint: f.hint, inputmode: f.inputmode,
                      message: invalid?.fields[f])
        }
        let stages = SettingsForm.knownStages.map { stage in
            StageView(value: stage, label: Self.stageLabel(stage), checked: form.stages.contains(stage))
        }
        let history = try await store.readAsync { db in try SettingsHistoryView.entries(db, zone: try MessagingSettings.current(db).zone) }
        var data = PageData(editable: editable,
                            error: invalid == nil ? nil : "Revise los campos marcados: no se guardó nada.",
                            fields: fields, stages: stages, stagesMessage: invalid?.stages, smsGSM7: form.smsGSM7 ?? true, updated: updated,
                            providers: providers.providers, publicURL: providers.publicURL, webhooks: providers.webhooks, history: history)
        let planned = await Self.plannedWhatsAppClients(store)
        data.whatsappAccount = try? await store.readAsync { db in
            try WhatsAppAccountView.build(db, zone: try MessagingSettings.current(db).zone, planned: planned)
        }
        let chrome = Chrome(title: "Mensajería", heading: "Configuración", context: context, section: "/configuracion",
                            tab: Self.path, notice: notice)
        return views.html("messaging", chrome: chrome, content: data, status: status)
    }

    /// Clients today's runs (reminders and summaries), decided now, would message on WhatsApp.
    static func plannedWhatsAppClients(_ store: AvisoStore, now: Date = Date()) async -> Set<String> {
        var clients = Set<String>()
        for kind in [Scheduler.PlanKind.stages, .reactivation] {
            guard let plan = try? await store.readAsync({ try Scheduler.plan($0, now: now, kind: kind) }) else { continue }
            for m in plan.messages where m.channel == .whatsapp && (m.decision == .send || m.decision == .deferred) {
                clients.insert(m.clientId)
            }
        }
        return clients
    }

    static func stageLabel(_ stage: String) -> String {
        if stage == "WEEKLY" { return TemplateStage.weekly.spanishDescription }
        return TemplateStage(rawValue: stage)?.spanishDescription ?? stage
    }
}
