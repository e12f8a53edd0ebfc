import AvisoLedger
import AvisoProjections
import Foundation
import Hummingbird

/// `/proximos`: today's remaining and tomorrow's messages, each with what the scheduler
/// would decide and why (its dry-run plan: nothing recorded, nothing sent).
struct UpcomingController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: page)
        routes.post("pausa", use: pause)
        return routes
    }

    struct Data: Sendable {
        var moments: [UpcomingMessages.Moment]
        var paused: Bool
        var pauseLine: String
        var error: String?
        /// Clients whose sending an admin paused: their messages show as skipped («en pausa»).
        var pausedClients: [PausedClient]
    }

    struct PausedClient: Sendable {
        var name: String
        var href: String
        var reason: String
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        let notice: String? = switch request.uri.queryParameters["ok"] {
        case "pausado": "Envíos en pausa."
        case "reanudado": "Envíos reanudados."
        default: nil
        }
        return try await render(context: context, notice: notice, error: nil)
    }

    /// Pauses (with a reason, required) or resumes all sending: a `SettingsChanged` with the
    /// admin as author, so it shows in the settings history.
    @Sendable func pause(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        let reason = String(form.text("motivo").prefix(300))
        let pausing: Bool
        switch form["accion"] {
        case "pausar": pausing = true
        case "reanudar": pausing = false
        default: throw APIError.badRequest("accion must be pausar or reanudar", code: "invalid_action")
        }
        if pausing, reason.isEmpty {
            return try await render(context: context, notice: nil, error: "Escriba el motivo de la pausa.", status: .unprocessableContent)
        }
        try await store.append(.settingsChanged(SettingsChanged(paused: pausing, pauseReason: reason.isEmpty ? nil : reason)),
                               actor: context.caller!.actor)
        context.logger.info(pausing ? "sending paused" : "sending resumed", metadata: ["actor": "\(context.caller!.actor)"])
        return ConsoleViews.redirect("/proximos?ok=" + (pausing ? "pausado" : "reanudado"))
    }

    func render(context: Context, notice: String?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let moments = try await UpcomingMessages(store: store).moments(clientIds: nil)
        let (settings, who, pausedClients) = try await store.readAsync { db in
            let s = try MessagingSettings.current(db)
            let paused = try ClientPauseRecord.allPaused(db).values.sorted { $0.clientId < $1.clientId }.map { p in
                PausedClient(name: try ClientRecord.fetchOne(db, key: p.clientId)?.name ?? p.clientId,
                             href: "/clientes/\(TemplateSelection.encode(p.clientId))", reason: p.reason ?? "")
            }
            return (s, try s.updatedBy.map { try ConsoleFormatting.actorName($0, db) } ?? "", paused)
        }
        let line = settings.isPaused
            ? "Envíos en pausa" + (settings.pauseReason.map { ": «\($0)»" } ?? "") + " (\(who), "
                + (settings.updatedAt.map { ConsoleFormatting.dateTime(utc: $0, in: settings.zone) } ?? "") + ")."
            : "Los envíos están activos."
        let chrome = Chrome(title: "Próximos envíos", context: context, section: "/proximos", notice: notice)
        return views.html("upcoming", chrome: chrome,
                          content: Data(moments: moments, paused: settings.isPaused, pauseLine: line, error: error,
                                        pausedClients: pausedClients), status: status)
    }
}
