import Foundation

/// WhatsApp Cloud API settings. Built by `ProviderConfiguration`, or directly in tests.
public struct WhatsAppConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The one place the Graph API version is pinned. Bump deliberately: payloads differ by version.
    public static let graphAPIVersion = "v25.0"
    public static let defaultAPIBase = URL(string: "https://graph.facebook.com")!

    public var accessToken: Secret
    public var phoneNumberId: String
    public var apiBase: URL
    public var graphVersion: String
    /// `WHATSAPP_BUSINESS_ACCOUNT_ID` (WABA id): needed only for the template catalogue sync.
    public var businessAccountId: String?

    public init(accessToken: Secret, phoneNumberId: String, apiBase: URL = Self.defaultAPIBase, graphVersion: String = Self.graphAPIVersion,
                businessAccountId: String? = nil) {
        self.businessAccountId = businessAccountId
        self.accessToken = accessToken
        self.phoneNumberId = phoneNumberId
        self.apiBase = apiBase
        self.graphVersion = graphVersion
    }

    /// `{base}/{version}/{phoneId}/messages`
    var messagesURL: URL {
        apiBase.appendingPathComponent(graphVersion).appendingPathComponent(phoneNumberId).appendingPathComponent("messages")
    }

    /// `{base}/{version}/{node}`: every Graph call goes through the one pinned version.
    func graphURL(_ node: String, _ edge: String? = nil, query: [URLQueryItem]) -> URL {
        var url = apiBase.appendingPathComponent(graphVersion).appendingPathComponent(node)
        if let edge { url = url.appendingPathComponent(edge) }
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.queryItems = query
        return components.url!
    }

    public var description: String {
        "whatsapp(phone_id: \(Masking.secret(phoneNumberId)), token: \(accessToken.masked), base: \(apiBase.absoluteString), graph: \(graphVersion))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

/// Twilio Programmable Messaging settings.
public struct TwilioConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let defaultAPIBase = URL(string: "https://api.twilio.com")!
    /// Twilio retries a status callback only on connect failure by default; this fragment asks
    /// for 3 tries on connect/read timeouts and 5xx too. Fragments are not part of the signature.
    public static let statusCallbackRetryFragment = "rc=3&rp=ct,rt,5xx"
    public static let statusCallbackPath = "/api/webhooks/twilio"

    public enum Sender: Sendable, Equatable {
        case messagingService(String)
        case from(String)
    }

    public var accountSid: String
    public var authToken: Secret
    public var sender: Sender
    public var apiBase: URL
    /// Full StatusCallback URL including the retry fragment; nil = no callbacks (poll instead).
    public var statusCallback: String?

    public init(accountSid: String, authToken: Secret, sender: Sender, apiBase: URL = Self.defaultAPIBase, publicURL: URL? = nil) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.sender = sender
        self.apiBase = apiBase
        self.statusCallback = publicURL.map(Self.statusCallback(publicURL:))
    }

    /// `AVISO_PUBLIC_URL` + `/api/webhooks/twilio#rc=3&rp=ct,rt,5xx`.
    /// Signature checks must use this URL without the fragment.
    public static func statusCallback(publicURL: URL) -> String {
        var base = publicURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + statusCallbackPath + "#" + statusCallbackRetryFragment
    }

    /// The query parameter of the StatusCallback URL that carries Aviso's message key back.
    public static let messageKeyParameter = "aviso_key"

    /// `statusCallback` for one message: its key in the query (before the fragment), so a
    /// callback names the message even when its `MessageSent` was never recorded. Twilio signs
    /// the full URL, query included.
    public static func statusCallback(_ callback: String, messageKey: String?) -> String {
        guard let messageKey, !messageKey.isEmpty else { return callback }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = messageKey.addingPercentEncoding(withAllowedCharacters: allowed) ?? messageKey
        let parts = callback.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let base = String(parts[0])
        let query = (base.contains("?") ? "&" : "?") + messageKeyParameter + "=" + encoded
        return base + query + (parts.count > 1 ? "#" + parts[1] : "")
    }

    var accountURL: URL {
        apiBase.appendingPathComponent("2010-04-01").appendingPathComponent("Accounts").appendingPathComponent(accountSid)
    }

    public var description: String {
        let senderText: String
        switch sender {
        case .messagingService(let sid): senderText = "messaging_service: \(Masking.secret(sid))"
        case .from(let number): senderText = "from: \(Masking.phone(number))"
        }
        return "twilio(account: \(Masking.secret(accountSid)), token: \(authToken.masked), \(senderText), base: \(apiBase.absoluteString), status_callback: \(statusCallback == nil ? "off" : "on"))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

/// Everything the messaging layer reads from the environment. A provider whose variables are
/// missing is nil ("not configured") and the app sends through `DryRunProvider` instead.
/// Read once, at the composition root (`AppArguments.fromEnvironment`, each CLI command), and
/// passed down: the send path, `/healthz`, the preview and the console share this one value.
public struct ProviderConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var whatsapp: WhatsAppConfiguration?
    public var twilio: TwilioConfiguration?
    public var publicURL: URL?
    /// Why a provider is not configured, e.g. ["whatsapp": ["WHATSAPP_TOKEN"]]: names only, never values.
    public var missing: [String: [String]]

    public init(whatsapp: WhatsAppConfiguration?, twilio: TwilioConfiguration?, publicURL: URL? = nil) {
        self.whatsapp = whatsapp
        self.twilio = twilio
        self.publicURL = publicURL
        self.missing = [:]
    }

    public init(environment env: [String: String]) {
        // Blank values count as missing: an empty token is a deployment mistake, not a token.
        func value(_ key: String) -> String? {
            let v = env[key]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return v.isEmpty ? nil : v
        }
        func httpURL(_ key: String) -> URL? {
            guard let raw = value(key), let url = URL(string: raw),
                  let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
            else { return nil }
            return url
        }
        var missing: [String: [String]] = [:]

        publicURL = httpURL("AVISO_PUBLIC_URL")
        if value("AVISO_PUBLIC_URL") != nil && publicURL == nil { missing["public_url", default: []].append("AVISO_PUBLIC_URL (invalid)") }

        // WhatsApp
        let waToken = value("WHATSAPP_TOKEN"), waPhone = value("WHATSAPP_PHONE_ID")
        let waBase = value("WHATSAPP_API_BASE") == nil ? WhatsAppConfiguration.defaultAPIBase : httpURL("WHATSAPP_API_BASE")
        if waToken == nil { missing["whatsapp", default: []].append("WHATSAPP_TOKEN") }
        if waPhone == nil { missing["whatsapp", default: []].append("WHATSAPP_PHONE_ID") }
        if waBase == nil { missing["whatsapp", default: []].append("WHATSAPP_API_BASE (invalid)") }
        if let waToken, let waPhone, let waBase {
            whatsapp = WhatsAppConfiguration(accessToken: Secret(waToken), phoneNumberId: waPhone, apiBase: waBase,
                                             businessAccountId: value("WHATSAPP_BUSINESS_ACCOUNT_ID"))
        }

        // Twilio: MessagingServiceSid wins over From when both are set.
        let sid = value("TWILIO_ACCOUNT_SID"), token = value("TWILIO_AUTH_TOKEN")
        let sender: TwilioConfiguration.Sender? =
            value("TWILIO_MESSAGING_SERVICE_SID").map { .messagingService($0) } ?? value("TWILIO_FROM").map { .from($0) }
        let twBase = value("TWILIO_API_BASE") == nil ? TwilioConfiguration.defaultAPIBase : httpURL("TWILIO_API_BASE")
        if sid == nil { missing["twilio", default: []].append("TWILIO_ACCOUNT_SID") }
        if token == nil { missing["twilio", default: []].append("TWILIO_AUTH_TOKEN") }
        if sender == nil { missing["twilio", default: []].append("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID") }
        if twBase == nil { missing["twilio", default: []].append("TWILIO_API_BASE (invalid)") }
        if let sid, let token, let sender, let twBase {
            twilio = TwilioConfiguration(accountSid: sid, authToken: Secret(token), sender: sender, apiBase: twBase, publicURL: publicURL)
        }
        self.missing = missing
    }

    public func isConfigured(_ channel: Channel) -> Bool {
        switch channel {
        case .whatsapp: whatsapp != nil
        case .sms: twilio != nil
        }
    }

    /// Who sends on `channel`: `whatsapp`, `twilio`, or `dry-run` when its variables are missing.
    /// The health check, the preview and the console all say what this says.
    public func providerName(for channel: Channel) -> String {
        guard isConfigured(channel) else { return "dry-run" }
        return channel == .whatsapp ? "whatsapp" : "twilio"
    }

    public var description: String {
        func line(_ name: String, _ config: (any CustomStringConvertible)?) -> String {
            if let config { return config.description }
            return "\(name): not configured (dry-run; missing \((missing[name] ?? []).joined(separator: ", ")))"
        }
        let url = publicURL?.absoluteString ?? "unset"
        return "ProviderConfiguration[\(line("whatsapp", whatsapp)); \(line("twilio", twilio)); public_url: \(url)]"
    }
    public var debugDescription: String { description }
    // `dump()` walks stored properties through Mirror; show only the safe summary.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
