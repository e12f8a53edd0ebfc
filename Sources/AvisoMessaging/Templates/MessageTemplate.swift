/// One template: the text for one stage on one channel.
///
/// For WhatsApp, `body` is the text Aviso previews, logs and sends as free text inside the
/// 24-hour window; outside it Meta only accepts the approved template named in `whatsapp`,
/// filled positionally with `whatsapp.parameters`. SMS templates have no `whatsapp`.
public struct MessageTemplate: Codable, Sendable, Equatable {
    public var stage: TemplateStage
    public var channel: Channel
    /// Mustache text, e.g. `Hola {{nombre}}, …{{#link_pago}} Para pagar: {{link_pago}}{{/link_pago}}`.
    public var body: String
    public var whatsapp: WhatsAppTemplateRef?

    public init(stage: TemplateStage, channel: Channel, body: String, whatsapp: WhatsAppTemplateRef? = nil) {
        self.stage = stage
        self.channel = channel
        self.body = body
        self.whatsapp = whatsapp
    }
}

/// The Meta-approved WhatsApp template a `MessageTemplate` maps to.
public struct WhatsAppTemplateRef: Codable, Sendable, Equatable {
    /// Meta template name: lowercase letters, digits and `_`.
    public var name: String
    /// Meta language code, e.g. `es` or `es_MX`.
    public var language: String
    /// Variable names (without braces) filling the Meta body parameters `{{1}}`, `{{2}}`, … in order.
    public var parameters: [String]

    public init(name: String, language: String, parameters: [String]) {
        self.name = name
        self.language = language
        self.parameters = parameters
    }
}

extension MessageTemplate {
    /// The ledger event that saves this template (`origin`: `default`, `restore:<position>`, nil for an edit).
    public func changed(origin: String?) -> TemplateChanged {
        TemplateChanged(stage: stage.rawValue, channel: channel, body: body, whatsappName: whatsapp?.name,
                        whatsappLanguage: whatsapp?.language, whatsappParameters: whatsapp?.parameters, origin: origin)
    }
}
