import Foundation

/// Strict parsing of the webhook fields Aviso records. Whatever reaches the ledger must be
/// something Aviso itself can read back: a provider time like "nan" or "1e300" once made
/// every later command fail to decode the log.
enum WebhookFields {
    /// Why a field was refused, for the answer and the log.
    struct Refusal: Error, Equatable, Sendable {
        var field: String
        var reason: String
        var message: String { "\(field) \(reason)" }
    }

    /// Provider times Aviso accepts: 1970-01-01 … 2200-01-01 (UTC).
    static let latestUnixSeconds: Int64 = 7_258_118_400

    /// Whole Unix seconds as decimal digits (Meta's `timestamp` is such a string), within
    /// 1970…2200. No sign, exponent, fraction, "nan" or "inf".
    static func unixSeconds(_ text: String, field: String) throws(Refusal) -> Date {
        let bytes = Array(text.utf8)
        guard (1...11).contains(bytes.count), bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }), let seconds = Int64(text) else {
            throw Refusal(field: field, reason: "must be whole Unix seconds (digits only)")
        }
        guard seconds <= latestUnixSeconds else {
            throw Refusal(field: field, reason: "must be between 1970 and 2200")
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// A short word a provider labels things with (a pricing category, a model): kept when it
    /// is 1–64 letters, digits, `_` or `-`, else "other", so nothing odd reaches the ledger.
    static func word(_ text: String) -> String {
        let ok = (1...64).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        return ok ? text : "other"
    }

    /// A provider's message id (wamid…, SM…): 1–256 visible ASCII characters.
    static func messageId(_ text: String?, field: String) throws(Refusal) -> String {
        guard let text, !text.isEmpty else { throw Refusal(field: field, reason: "is missing") }
        guard text.utf8.count <= 256, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Refusal(field: field, reason: "must be 1–256 visible ASCII characters")
        }
        return text
    }

    /// A provider error code (131026, 30003): 1–16 decimal digits; empty is none.
    static func errorCode(_ text: String?, field: String) throws(Refusal) -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw Refusal(field: field, reason: "must be 1–16 digits")
        }
        return text
    }

    /// A number as E.164 (`+` and 8–15 digits), accepting Twilio's `whatsapp:` prefix; nil otherwise.
    static func e164(_ text: String?) -> String? {
        guard var text else { return nil }
        if text.hasPrefix("whatsapp:") { text.removeFirst("whatsapp:".count) }
        let digits = text.dropFirst()
        guard text.hasPrefix("+"), (8...15).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return text
    }
}
