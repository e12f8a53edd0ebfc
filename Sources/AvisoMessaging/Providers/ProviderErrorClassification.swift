/// Provider error code / HTTP status → what to do. Sources: PROVIDERS.md §A and §B tables.
/// Codes win over HTTP status; an unknown code falls back to the status (5xx/429 retryable,
/// 401 authentication, other 4xx permanent).
public enum ProviderErrorClassification {
    public struct Rule: Sendable, Equatable {
        public var kind: ProviderFailureKind
        /// Short, fixed reason used in `ProviderFailure.summary` (never provider free text).
        public var reason: String
        /// Cap on total attempts for this code, below the policy's (Twilio 30008: retry once).
        public var maxAttempts: Int?

        public init(_ kind: ProviderFailureKind, _ reason: String, maxAttempts: Int? = nil) {
            self.kind = kind
            self.reason = reason
            self.maxAttempts = maxAttempts
        }
    }

    /// Graph API `error.code` (sync response, or webhook `statuses[].errors[].code`).
    public static let whatsapp: [Int: Rule] = {
        var t: [Int: Rule] = [
            0: Rule(.authentication, "authentication failed"),
            190: Rule(.authentication, "access token expired or invalid"),
            10: Rule(.authentication, "permission not granted"),
            100: Rule(.permanent, "invalid parameter"),
            131008: Rule(.permanent, "required parameter missing"),
            131009: Rule(.permanent, "parameter value invalid"),
            4: Rule(.retryable, "app API call limit"),
            80007: Rule(.retryable, "WABA rate limit"),
            130429: Rule(.retryable, "throughput limit reached"),
            131056: Rule(.retryable, "pair rate limit (same recipient)"),
            131048: Rule(.stopChannel, "spam rate limit: check number quality"),
            131049: Rule(.permanent, "per-user marketing limit: wait 24h"),
            131050: Rule(.permanent, "user stopped marketing messages"),
            131026: Rule(.fallbackToSMS, "undeliverable on WhatsApp"),
            131047: Rule(.fallbackToSMS, "24h window closed (re-engagement)"),
            131000: Rule(.retryable, "unknown error"),
            131016: Rule(.retryable, "service unavailable"),
            1: Rule(.retryable, "API unknown error"),
            2: Rule(.retryable, "API service error"),
            131057: Rule(.retryable, "account in maintenance"),
            // Every further send would fail until someone fixes billing: stop and alert.
            131042: Rule(.stopChannel, "payment method problem"),
            132000: Rule(.permanent, "template parameter count mismatch"),
            132001: Rule(.permanent, "template missing in language or not approved"),
            132005: Rule(.permanent, "template text too long"),
            132007: Rule(.permanent, "template policy violation"),
            132012: Rule(.permanent, "template parameter format mismatch"),
            132015: Rule(.permanent, "template paused"),
            132016: Rule(.permanent, "template disabled"),
            368: Rule(.stopChannel, "account restricted for policy violation"),
            131031: Rule(.stopChannel, "business account locked"),
            130497: Rule(.permanent, "country restricted"),
            130403: Rule(.permanent, "business blocked this user"),
        ]
        // 200–299: permission errors are configuration problems: alert like auth failures.
        for code in 200...299 { t[code] = Rule(.authentication, "permission not granted") }
        return t
    }()

    /// Twilio REST error `code` (sync response, or callback `ErrorCode`).
    public static let twilio: [Int: Rule] = [
        20003: Rule(.authentication, "authentication failed"),
        21211: Rule(.permanent, "invalid To number"),
        21408: Rule(.permanent, "SMS not enabled for region"),
        21610: Rule(.optedOut, "recipient unsubscribed (STOP)"),
        21612: Rule(.permanent, "To/From combination not routable"),
        21614: Rule(.permanent, "To is not a mobile number"),
        21611: Rule(.retryable, "queue overflow"),
        30001: Rule(.retryable, "queue overflow"),
        20429: Rule(.retryable, "too many concurrent requests"),
        30003: Rule(.retryable, "unreachable handset"),
        30004: Rule(.permanent, "message blocked"),
        30005: Rule(.permanent, "unknown or inactive handset"),
        30006: Rule(.permanent, "landline or unreachable carrier"),
        30007: Rule(.permanent, "filtered by carrier"),
        30008: Rule(.retryable, "unknown delivery error", maxAttempts: 2),
    ]

    public static func classifyWhatsApp(code: Int?, httpStatus: Int?) -> Rule {
        code.flatMap { whatsapp[$0] } ?? byStatus(httpStatus)
    }

    public static func classifyTwilio(code: Int?, httpStatus: Int?) -> Rule {
        code.flatMap { twilio[$0] } ?? byStatus(httpStatus)
    }

    /// Fallback for codes not in the tables.
    public static func byStatus(_ status: Int?) -> Rule {
        switch status {
        case 429?: Rule(.retryable, "rate limited")
        case 401?: Rule(.authentication, "unauthorized")
        case let s? where s >= 500: Rule(.retryable, "server error")
        case let s? where s >= 400: Rule(.permanent, "request rejected")
        case nil: Rule(.retryable, "no response")
        default: Rule(.permanent, "unexpected response")
        }
    }
}
