import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import GRDB
import Hummingbird

/// `/configuracion/plantillas`: the editor (GET), save or server-side preview (POST), the
/// live preview's JSON (POST `vista-previa`), and restoring an old version or the shipped
/// default (POST `restaurar`). Every save is a `TemplateChanged` with the admin as actor.
struct TemplatesController {
    typealias Context = AppRequestContext
    static let path = "/configuracion/plantillas"
    let store: AvisoStore
    let previewer: TemplatePreviewer
    /// The shipped texts by `stage/channel`, for "restore default"; empty if the file is missing.
    let defaults: [String: MessageTemplate]
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("plantillas", use: show)
        routes.post("plantillas", use: submit)
        routes.post("plantillas/vista-previa", use: livePreview)
        routes.post("plantillas/restaurar", use: restore)
        return routes
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let stage = query["etapa"].flatMap { TemplateSelection.stage(String($0)) } ?? .dMinus15
        let channel = query["canal"].flatMap { Channel(rawValue: String($0)) } ?? .whatsapp
        let notice: String? = switch query["ok"].map(String.init) ?? "" {
        case "guardada": "Plantilla guardada."
        case "restaurada": "Plantilla restaurada."
        case "sin-cambios": "El texto no cambió; no se guardó una versión nueva."
        case let other: WhatsAppSyncController.notice(other)
        }
        return try await page(stage: stage, channel: channel, input: nil, error: nil, preview: nil, context: context, notice: notice)
    }

    @Sendable func submit(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        let input = TemplateInput(form)
        guard let stage = input.stage, let channel = input.channel, let template = input.template else {
            throw APIError.badRequest("unknown stage or channel")
        }
        let caller = context.caller!
        if form["accion"] == "vista_previa" {
            let result = await previewer.preview(template, clientId: input.cliente, caller: caller)
            return try await page(stage: stage, channel: channel, input: input, error: nil, preview: result, context: context)
        }
        do {
            try TemplateRenderer.validate(template)
        } catch {
            return try await page(stage: stage, channel: channel, input: input, error: error.description, preview: nil, context: context,
                            status: .unprocessableContent)
        }
        let saved = try await store.readAsync { try TemplateRecord.fetchOne($0, key: ["stage": stage.rawValue, "channel": channel.rawValue]) }
        if let saved, Self.same(saved, template) {
            return ConsoleViews.redirect(TemplateSelection.href(stage, channel, extra: "&ok=sin-cambios"))
        }
        try await append(template, origin: nil, actor: caller.actor)
        context.logger.info("template saved", metadata: ["stage": "\(stage.rawValue)", "channel": "\(channel.rawValue)"])
        return ConsoleViews.redirect(TemplateSelection.href(stage, channel, extra: "&ok=guardada"))
    }

    @Sendable func livePreview(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        guard let input = try? JSONDecoder().decode(TemplateInput.self, from: Data(buffer: body)), let template = input.template else {
            throw APIError.badRequest("expected {etapa, canal, cuerpo, cliente, wa_nombre?, wa_idioma?, wa_parametros?}", code: "invalid_json")
        }
        return try JSONResponse.make(await previewer.preview(template, clientId: input.cliente, caller: context.caller!))
    }

    @Sendable func restore(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        guard let stage = TemplateSelection.stage(form.text("etapa")), let channel = Channel(rawValue: form.text("canal")) else {
            throw APIError.badRequest("unknown stage or channel")
        }
        let template: MessageTemplate
        let origin: String
        if form["predeterminada"] != nil {
            guard let shipped = defaults["\(stage.rawValue)/\(channel.rawValue)"] else { throw APIError.notFound("no shipped default") }
            (template, origin) = (shipped, "default")
        } else {
            guard let position = Int64(form.text("posicion")),
                  let old = try await store.readAsync({ try TemplateVersionRecord.fetchOne($0, key: position) }),
                  old.stage == stage.rawValue, old.channel == channel.rawValue else {
                throw APIError.notFound("no such version of this template")
            }
            template = MessageTemplate(stage: stage, channel: channel, body: old.body, whatsapp: old.whatsappName.map {
                WhatsAppTemplateRef(name: $0, language: old.whatsappLanguage ?? "es", parameters: old.whatsappParameters ?? [])
            })
            origin = "restore:\(position)"
        }
        do {
            // An old text may use a variable that has since gone: refuse it like a save would.
            try TemplateRenderer.validate(template)
        } catch {
            return try await page(stage: stage, channel: channel, input: nil, error: "No se puede restaurar: \(error.description)", preview: nil,
                            context: context, status: .unprocessableContent)
        }
        try await append(template, origin: origin, actor: context.caller!.actor)
        context.logger.info("template restored", metadata: ["stage": "\(stage.rawValue)", "channel": "\(channel.rawValue)", "origin": "\(origin)"])
        return ConsoleViews.redirect(TemplateSelection.href(stage, channel, extra: "&ok=restaurada"))
    }

    private func append(_ t: MessageTemplate, origin: String?, actor: String) async throws {
        try await store.append(.templateChanged(t.changed(origin: origin)), actor: actor)
    }

    static func same(_ saved: TemplateRecord, _ t: MessageTemplate) -> Bool {
        saved.body == t.body && saved.whatsappName == t.whatsapp?.name && saved.whatsappLanguage == t.whatsapp?.language
            && (saved.whatsappParameters ?? []) == (t.whatsapp?.parameters ?? [])
    }

    private func page(stage: TemplateStage, channel: Channel, input: TemplateInput?, error: String?, preview: TemplatePreviewer.Result?,
                      context: Context, notice: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        // Without a posted preview, show the saved text rendered for the first client.
        var shown = preview
        if shown == nil, input == nil,
           let (template, _) = try await store.readAsync({ try TemplateLookup.template($0, stage: stage, channel: channel) }) {
            shown = await previewer.preview(template, clientId: nil, caller: context.caller!)
        }
        let hasDefault = defaults["\(stage.rawValue)/\(channel.rawValue)"] != nil
        let canSync = ConsoleAccess.allows(context.caller?.role, "POST", WhatsAppSyncController.path)
        let shownPreview = shown
        let data = try await store.readAsync { db in
            try TemplatesPageData.build(db, stage: stage, channel: channel, input: input, error: error, preview: shownPreview, hasDefault: hasDefault,
                                        canSync: canSync)
        }
        var chrome = Chrome(title: "Plantillas", heading: "Configuración", context: context, section: "/configuracion", tab: Self.path,
                            notice: notice)
        chrome.script = true
        return views.html("templates", chrome: chrome, content: data, status: status)
    }
}
