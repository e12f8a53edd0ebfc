import AvisoLedger
import AvisoMessaging
import Foundation

/// Everything `buildApplication` needs to know, from the command line and the environment.
/// Tests build the same application with their own values.
public struct AppArguments: Sendable {
    public var host: String
    public var port: Int
    /// `AVISO_PUBLIC_URL`: the URL providers call (TLS ends at a proxy). Twilio signs it.
    public var publicURL: String?
    /// `TWILIO_AUTH_TOKEN`: checks `X-Twilio-Signature`. Unset: the Twilio webhook answers 503.
    public var twilioAuthToken: String?
    /// `WHATSAPP_APP_SECRET`: checks `X-Hub-Signature-256`. Unset: the WhatsApp webhook answers 503.
    public var whatsappAppSecret: String?
    /// `AVISO_INSECURE_UNSIGNED_WEBHOOKS=1` or `serve --demo`: a webhook whose secret is unset
    /// is accepted unsigned. For a developer's own machine only; announced at start.
    public var insecureUnsignedWebhooks: Bool
    /// `WHATSAPP_VERIFY_TOKEN`: answers Meta's subscription check.
    public var whatsappVerifyToken: String?
    /// `AVISO_CRON_SECRET` (or `CRON_SECRET`, the Next.js host's name): `Authorization: Bearer …`
    /// for runs and the portfolio API.
    public var cronSecret: String?
    /// The providers, decided once from the environment: the send path, `/healthz`, the
    /// preview and the console all read this one value.
    public var providerConfiguration: ProviderConfiguration
    public var sessionLifetime: TimeInterval
    public var bcryptCost: UInt8
    /// `AVISO_TRUST_PROXY=N` (N proxies, 1–10): take the client address from `X-Forwarded-For`
    /// (throttling): the entry the N-th proxy from us appended, counting from the right.
    public var trustForwardedFor: Bool
    public var forwardedHops: Int
    public var serverName: String

    public init(host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, twilioAuthToken: String? = nil,
                whatsappAppSecret: String? = nil, whatsappVerifyToken: String? = nil, cronSecret: String? = nil,
                providerConfiguration: ProviderConfiguration = ProviderConfiguration(whatsapp: nil, twilio: nil),
                sessionLifetime: TimeInterval = 8 * 3600, bcryptCost: UInt8 = 12, trustForwardedFor: Bool = false,
                forwardedHops: Int = 1, insecureUnsignedWebhooks: Bool = false, serverName: String = "aviso") {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.twilioAuthToken = twilioAuthToken
        self.whatsappAppSecret = whatsappAppSecret
        self.whatsappVerifyToken = whatsappVerifyToken
        self.cronSecret = cronSecret
        self.providerConfiguration = providerConfiguration
        self.sessionLifetime = sessionLifetime
        self.bcryptCost = bcryptCost
        self.trustForwardedFor = trustForwardedFor
        self.forwardedHops = min(max(forwardedHops, 1), 10)
        self.insecureUnsignedWebhooks = insecureUnsignedWebhooks
        self.serverName = serverName
    }

    /// Reads the environment; empty variables count as unset.
    /// `demo` (`serve --demo`) also accepts unsigned webhooks, for a local try-out.
    public static func fromEnvironment(host: String, port: Int, demo: Bool = false,
                                       environment: [String: String] = ProcessInfo.processInfo.environment) -> AppArguments {
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        // Bounded: a setting never becomes an overflow (`AVISO_SESSION_HOURS=1e308`).
        let sessionHours = value("AVISO_SESSION_HOURS").flatMap(Double.init).flatMap { (0.25...720).contains($0) ? $0 : nil } ?? 8
        let proxyHops = value("AVISO_TRUST_PROXY").flatMap(Int.init).flatMap { (1...10).contains($0) ? $0 : nil }
        return AppArguments(
            host: host, port: port,
            publicURL: value("AVISO_PUBLIC_URL").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 },
            twilioAuthToken: value("TWILIO_AUTH_TOKEN"), whatsappAppSecret: value("WHATSAPP_APP_SECRET"),
            whatsappVerifyToken: value("WHATSAPP_VERIFY_TOKEN"), cronSecret: value("AVISO_CRON_SECRET") ?? value("CRON_SECRET"),
            providerConfiguration: ProviderConfiguration(environment: environment),
            sessionLifetime: sessionHours * 3600,
            bcryptCost: value("AVISO_BCRYPT_COST").flatMap(UInt8.init).map { min(max($0, 4), 16) } ?? 12,
            trustForwardedFor: proxyHops != nil, forwardedHops: proxyHops ?? 1,
            insecureUnsignedWebhooks: demo || value("AVISO_INSECURE_UNSIGNED_WEBHOOKS") == "1")
    }

    /// Which provider sends each channel (`whatsapp`, `twilio` or `dry-run`).
    var providers: [Channel: String] {
        Dictionary(uniqueKeysWithValues: Channel.allCases.map { ($0, providerConfiguration.providerName(for: $0)) })
    }

    /// Cookies get `Secure` when the public URL is https.
    var secureCookies: Bool { publicURL?.lowercased().hasPrefix("https://") == true }

    /// What is not configured, for the startup warning and `/healthz`.
    var configurationWarnings: [String] {
        var out: [String] = []
        if twilioAuthToken == nil { out.append("TWILIO_AUTH_TOKEN is not set: " + unsignedConsequence("Twilio")) }
        if twilioAuthToken != nil && publicURL == nil { out.append("AVISO_PUBLIC_URL is not set: Twilio signatures are checked against the Host header") }
        if whatsappAppSecret == nil { out.append("WHATSAPP_APP_SECRET is not set: " + unsignedConsequence("WhatsApp")) }
        if whatsappVerifyToken == nil { out.append("WHATSAPP_VERIFY_TOKEN is not set: Meta's subscription check is refused") }
        if cronSecret == nil { out.append("AVISO_CRON_SECRET (or CRON_SECRET) is not set: runs need an admin session") }
        return out
    }

    private func unsignedConsequence(_ provider: String) -> String {
        insecureUnsignedWebhooks
            ? "INSECURE: \(provider) webhooks are accepted UNSIGNED (AVISO_INSECURE_UNSIGNED_WEBHOOKS or --demo); anyone who can reach this server can forge delivery statuses and opt-outs"
            : "\(provider) webhooks are refused (503) until it is set"
    }

    /// The banner `serve` prints when unsigned webhooks are accepted, else nil.
    public var insecureWebhookBanner: String? {
        guard insecureUnsignedWebhooks, twilioAuthToken == nil || whatsappAppSecret == nil else { return nil }
        let which = [twilioAuthToken == nil ? "Twilio" : nil, whatsappAppSecret == nil ? "WhatsApp" : nil].compactMap { $0 }
        return "*** INSECURE: \(which.joined(separator: " and ")) webhooks are accepted WITHOUT a signature. Development only. ***"
    }
}
