import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import Hummingbird

/// `POST /configuracion/plantillas/sincronizar-whatsapp` (admins): reads Meta's template
/// catalogue and the number's health now, then returns to Plantillas saying how it went.
struct WhatsAppSyncController {
    typealias Context = AppRequestContext
    static let path = "/configuracion/plantillas/sincronizar-whatsapp"
    let store: AvisoStore
    let configuration: ProviderConfiguration

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("plantillas/sincronizar-whatsapp", use: sync)
        return routes
    }

    @Sendable func sync(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        let back = TemplateSelection.stage(form.text("etapa")).map { TemplateSelection.href($0, .whatsapp) } ?? "/configuracion/plantillas?canal=whatsapp"
        let separator = back.contains("?") ? "&" : "?"
        guard configuration.whatsapp?.businessAccountId != nil,
              let sync = WhatsAppAccountSync(store: store, configuration: configuration) else {
            return ConsoleViews.redirect(back + separator + "ok=sin-waba")
        }
        let summary = try await sync.run()
        context.logger.info("whatsapp sync from the console", metadata: [
            "actor": "\(context.caller?.actor ?? "-")", "changed": "\(summary.templatesChanged)", "errors": "\(summary.errors.count)",
        ])
        return ConsoleViews.redirect(back + separator + (summary.errors.isEmpty ? "ok=sincronizada" : "ok=sincronizacion-incompleta"))
    }

    /// The notice Plantillas shows after a sync, by the `ok` value above.
    static func notice(_ ok: String) -> String? {
        switch ok {
        case "sincronizada": "Catálogo de WhatsApp y estado del número leídos de Meta."
        case "sincronizacion-incompleta": "No se pudo leer todo de Meta (revise el token y el registro del servidor); se guardó lo que se leyó."
        case "sin-waba": "Falta WHATSAPP_BUSINESS_ACCOUNT_ID (y WhatsApp configurado) para leer las plantillas de Meta."
        default: nil
        }
    }
}
