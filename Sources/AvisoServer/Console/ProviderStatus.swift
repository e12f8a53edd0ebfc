import AvisoLedger
import AvisoMessaging
import Foundation

/// The Mensajería tab's provider panel: configured or dry-run, at most the last 4
/// characters of a token or SID, whether each webhook secret is set, and the exact URLs to
/// paste into Meta and Twilio. Never a whole secret.
struct ProviderStatus: Sendable {
    struct Row: Sendable {
        var channel: String
        var state: String
        var stateClass: String
        var missing: String?
        var credential: String
        var webhookSecret: String
    }

    struct Webhook: Sendable {
        var label: String
        var url: String
        var hint: String?
    }

    var providers: [Row]
    var publicURL: String?
    var webhooks: [Webhook]

    init(arguments: AppArguments) {
        let configuration = arguments.providerConfiguration
        let configured = "Configurado", notSet = "No configurado"
        let whatsapp = configuration.whatsapp
        let twilio = configuration.twilio
        providers = [
            Row(channel: "WhatsApp (Meta Cloud API)",
                state: whatsapp == nil ? "Simulación (dry-run)" : configured,
                stateClass: whatsapp == nil ? "neutro" : "ok",
                missing: configuration.missing["whatsapp"].map { $0.joined(separator: ", ") },
                credential: whatsapp.map { "Token \($0.accessToken.masked) · Phone ID \(Masking.secret($0.phoneNumberId))" } ?? "—",
                webhookSecret: arguments.whatsappAppSecret == nil
                    ? "\(notSet): WHATSAPP_APP_SECRET " + (arguments.insecureUnsignedWebhooks ? "(INSEGURO: se aceptan sin firma)" : "(el webhook se rechaza)") : "\(configured) (WHATSAPP_APP_SECRET)"),
            Row(channel: "SMS (Twilio)",
                state: twilio == nil ? "Simulación (dry-run)" : configured,
                stateClass: twilio == nil ? "neutro" : "ok",
                missing: configuration.missing["twilio"].map { $0.joined(separator: ", ") },
                credential: twilio.map { "Account SID \(Masking.secret($0.accountSid)) · token \($0.authToken.masked) · \(Self.sender($0.sender))" } ?? "—",
                webhookSecret: arguments.twilioAuthToken == nil
                    ? "\(notSet): TWILIO_AUTH_TOKEN " + (arguments.insecureUnsignedWebhooks ? "(INSEGURO: se aceptan sin firma)" : "(el webhook se rechaza)") : "\(configured) (TWILIO_AUTH_TOKEN)"),
        ]
        publicURL = arguments.publicURL
        guard let publicURL = arguments.publicURL, let base = URL(string: publicURL) else {
            webhooks = []
            return
        }
        let root = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        webhooks = [
            Webhook(label: "Meta · Callback URL del webhook de WhatsApp", url: root + "/api/webhooks/whatsapp",
                    hint: "Token de verificación (WHATSAPP_VERIFY_TOKEN): "
                        + (arguments.whatsappVerifyToken == nil ? "no configurado; Meta no podrá verificar la URL." : "configurado.")
                        + " Suscriba el campo «messages»."),
            Webhook(label: "Twilio · Status callback (Aviso lo envía con cada SMS)",
                    url: TwilioConfiguration.statusCallback(publicURL: base),
                    hint: "No hace falta pegarla: va en cada envío. Sirve para revisar que coincide."),
            Webhook(label: "Twilio · Número → «A message comes in» (respuestas y BAJA)", url: root + "/api/webhooks/twilio", hint: nil),
        ]
    }

    /// Who the SMS come from: a Messaging Service (it picks the number) or one number.
    static func sender(_ sender: TwilioConfiguration.Sender) -> String {
        switch sender {
        case let .messagingService(sid): "Messaging Service \(Masking.secret(sid))"
        case let .from(number): "desde \(Masking.phone(number))"
        }
    }
}
