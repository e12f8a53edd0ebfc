import AvisoLedger
import AvisoMessaging
import Foundation

/// A template as posted by the editor (form or live-preview JSON), before validation.
struct TemplateInput: Sendable, Decodable {
    var etapa: String
    var canal: String
    var cuerpo: String
    var wa_nombre: String?
    var wa_idioma: String?
    var wa_parametros: String?
    var cliente: String?

    init(_ form: FormFields) {
        etapa = form.text("etapa")
        canal = form.text("canal")
        cuerpo = form["cuerpo"] ?? ""
        wa_nombre = form["wa_nombre"]
        wa_idioma = form["wa_idioma"]
        wa_parametros = form["wa_parametros"]
        cliente = form["cliente"]
    }

    var stage: TemplateStage? { TemplateSelection.stage(etapa) }
    var channel: Channel? { Channel(rawValue: canal.lowercased()) }

    /// The template to validate and render; nil when the stage or channel is not one we know.
    var template: MessageTemplate? {
        guard let stage, let channel else { return nil }
        let whatsapp = channel == .whatsapp
            ? WhatsAppTemplateRef(name: (wa_nombre ?? "").trimmingCharacters(in: .whitespaces),
                                  language: (wa_idioma ?? "").trimmingCharacters(in: .whitespaces),
                                  parameters: Self.parameters(wa_parametros ?? ""))
            : nil
        return MessageTemplate(stage: stage, channel: channel, body: cuerpo, whatsapp: whatsapp)
    }

    /// `nombre, monto` or `{{nombre}}, {{monto}}` → `["nombre", "monto"]`.
    static func parameters(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
        }.filter { !$0.isEmpty }
    }
}

/// Which template the editor shows, from `?etapa=&canal=`.
enum TemplateSelection {
    /// `D+1` arrives as `D 1` when a `+` was not percent-encoded in a query: accept both.
    static func stage(_ raw: String) -> TemplateStage? {
        TemplateStage(rawValue: raw) ?? TemplateStage(rawValue: raw.replacingOccurrences(of: " ", with: "+"))
    }

    static func href(_ stage: TemplateStage, _ channel: Channel, extra: String = "") -> String {
        "/configuracion/plantillas?etapa=\(encode(stage.rawValue))&canal=\(channel.rawValue)\(extra)"
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-", "_", "."])) ?? value
    }

    /// The scheduler stage name a draft needs (`WEEKLY` is always for some week).
    static func schedulerName(_ stage: TemplateStage) -> String {
        stage == .weekly ? "WEEKLY_1" : stage.rawValue
    }

    static func channelLabel(_ channel: Channel) -> String {
        channel == .whatsapp ? "WhatsApp" : "SMS"
    }
}
