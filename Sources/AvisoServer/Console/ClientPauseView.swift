import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import Hummingbird

/// The client page's pause card: whether sending to the client is paused, by whom, since
/// when and why, and every pause and resumption (from `client_pauses`).
struct ClientPauseView: Sendable {
    struct Line: Sendable {
        var when: String
        var who: String
        var what: String
    }

    var paused: Bool
    var line: String
    var history: [Line]
    /// Stored, not computed: the templates read values by reflection.
    var hasHistory: Bool

    init(paused: Bool, line: String, history: [Line]) {
        self.paused = paused
        self.line = line
        self.history = history
        hasHistory = !history.isEmpty
    }

    static func build(clientId: String, zone: TimeZone, _ db: Database) throws -> ClientPauseView {
        let rows = try ClientPauseRecord.history(db, clientId: clientId)
        let history = try rows.map { r in
            Line(when: ConsoleFormatting.dateTime(utc: r.at, in: zone), who: try ConsoleFormatting.actorName(r.actor, db),
                 what: r.paused ? "Pausó los envíos" + (r.reason.map { ": «\($0)»" } ?? "") : "Reanudó los envíos"
                     + (r.reason.map { ": «\($0)»" } ?? ""))
        }
        guard let current = rows.first, current.paused else {
            return ClientPauseView(paused: false, line: "Los envíos a este cliente están activos.", history: history)
        }
        return ClientPauseView(paused: true, line: "Envíos a este cliente en pausa desde el \(history[0].when), por \(history[0].who)"
                                   + (current.reason.map { ": «\($0)»" } ?? "") + ". El programador omite sus mensajes (motivo «en pausa»).",
                               history: history)
    }
}

extension ClientsController {
    /// Admins: pause (reason required) or resume sending to one client, as a `ClientPauseChanged`.
    @Sendable func pause(_ request: Request, context: Context) async throws -> Response {
        guard let id = context.parameters.get("id"), id.utf8.count <= 100 else { throw APIError.notFound("no such client") }
        let caller = context.caller!
        let form = try await FormFields.read(request, context: context)
        let reason = String(form.text("motivo").prefix(300))
        let (pausing, ok): (Bool, String)
        switch form["accion"] {
        case "pausar": (pausing, ok) = (true, "pausado")
        case "reanudar": (pausing, ok) = (false, "reanudado")
        default: throw APIError.badRequest("accion must be pausar or reanudar", code: "invalid_action")
        }
        let current = try await store.readAsync { db in
            _ = try ClientScope.client(id, for: caller, db)
            return try ClientPauseRecord.current(db, clientId: id)
        }
        if pausing, reason.isEmpty {
            return try await render(id, context: context, notice: nil, pauseError: "Escriba el motivo de la pausa.", status: .unprocessableContent)
        }
        // Pausing a paused client (or resuming an active one, e.g. a second tab) records nothing.
        if pausing != (current != nil) {
            try await store.append(.clientPauseChanged(ClientPauseChanged(clientId: id, paused: pausing, reason: reason.isEmpty ? nil : reason)),
                                   actor: caller.actor)
            context.logger.info(pausing ? "client sending paused" : "client sending resumed",
                                metadata: ["actor": "\(caller.actor)", "client": "\(id)"])
        }
        return ConsoleViews.redirect("/clientes/\(TemplateSelection.encode(id))?ok=\(ok)#pausa-cliente")
    }
}
