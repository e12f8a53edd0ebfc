import Crypto
import Foundation

/// Twilio's request signature (`X-Twilio-Signature`): HMAC-SHA1, keyed with the auth token,
/// over the full public URL followed by `name` + `value` for every POST parameter, with no
/// separators; base64. As Twilio's own validators do (twilio-python's `RequestValidator`):
/// names sorted, and a repeated name's values de-duplicated and sorted, by code point (the
/// same order as UTF-8 bytes).
public enum TwilioSignature {
    public static func compute(authToken: String, url: String, parameters: [(name: String, value: String)]) -> String {
        Data(mac(authToken: authToken, url: url, signed: signedParameters(parameters))).base64EncodedString()
    }

    /// Every `name` + `value`, in Twilio's order: built once per request, whatever the URL.
    static func signedParameters(_ parameters: [(name: String, value: String)]) -> [UInt8] {
        // By bytes, not `String` equality: Swift's would merge canonically equivalent text
        // ("é" and "e\u{301}") that Twilio keeps apart. Sorted by name then value, a pair
        // repeated exactly counted once: each name's values de-duplicated and sorted.
        let pairs = parameters.map { (name: Array($0.name.utf8), value: Array($0.value.utf8)) }.sorted {
            $0.name == $1.name ? $0.value.lexicographicallyPrecedes($1.value) : $0.name.lexicographicallyPrecedes($1.name)
        }
        var message: [UInt8] = []
        message.reserveCapacity(pairs.reduce(0) { $0 + $1.name.count + $1.value.count })
        var previous: (name: [UInt8], value: [UInt8])?
        for pair in pairs where previous.map({ $0.name != pair.name || $0.value != pair.value }) ?? true {
            message.append(contentsOf: pair.name)
            message.append(contentsOf: pair.value)
            previous = pair
        }
        return message
    }

    static func mac(authToken: String, url: String, signed: [UInt8]) -> HashedAuthenticationCode<Insecure.SHA1> {
        mac(keyed: keyed(authToken), url: url, signed: signed)
    }

    /// The HMAC keyed with the auth token, before any data: made once per server, copied per request.
    public static func keyed(_ authToken: String) -> HMAC<Insecure.SHA1> {
        HMAC<Insecure.SHA1>(key: SymmetricKey(data: Data(authToken.utf8)))
    }

    static func mac(keyed: HMAC<Insecure.SHA1>, url: String, signed: [UInt8]) -> HashedAuthenticationCode<Insecure.SHA1> {
        var hmac = keyed
        hmac.update(data: Data(url.utf8))
        hmac.update(data: signed)
        return hmac.finalize()
    }

    /// Whether `signature` is valid for `url` (also tried with the default port added or
    /// removed, as twilio-node does) and `parameters`. Compared in constant time.
    public static func isValid(signature: String, authToken: String, url: String, parameters: [(name: String, value: String)]) -> Bool {
        isValid(signature: signature, keyed: keyed(authToken), url: url, parameters: parameters)
    }

    public static func isValid(signature: String, keyed: HMAC<Insecure.SHA1>, url: String, parameters: [(name: String, value: String)]) -> Bool {
        guard let presented = Data(base64Encoded: signature) else { return false }
        let signed = signedParameters(parameters)
        var valid = false
        for candidate in urlVariants(url) {
            let expected = Array(mac(keyed: keyed, url: candidate, signed: signed))
            // Evaluate every candidate, so timing doesn't say which one matched.
            valid = Secrets.constantTimeEqual(Array(presented), expected) || valid
        }
        return valid
    }

    /// The URL as given, and the same with its default port toggled.
    static func urlVariants(_ url: String) -> [String] {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return [url] }
        let defaultPort = scheme == "https" ? 443 : 80
        if components.port == nil {
            components.port = defaultPort
        } else if components.port == defaultPort {
            components.port = nil
        } else {
            return [url]
        }
        return [url, components.string ?? url]
    }
}

/// Meta's webhook signature (`X-Hub-Signature-256: sha256=<hex>`): HMAC-SHA256 of the raw
/// body bytes keyed with the app secret. Never computed over re-serialised JSON.
public enum MetaSignature {
    public static func compute(appSecret: String, body: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(appSecret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public static func isValid(header: String, appSecret: String, body: some DataProtocol) -> Bool {
        isValid(header: header, keyed: keyed(appSecret), body: body)
    }

    /// The HMAC keyed with the app secret, before any data: made once per server, copied per request.
    public static func keyed(_ appSecret: String) -> HMAC<SHA256> {
        HMAC<SHA256>(key: SymmetricKey(data: Data(appSecret.utf8)))
    }

    public static func isValid(header: String, keyed: HMAC<SHA256>, body: some DataProtocol) -> Bool {
        guard header.hasPrefix("sha256="), let presented = hexBytes(header.dropFirst(7)), presented.count == 32 else { return false }
        var hmac = keyed
        hmac.update(data: body)
        return Secrets.constantTimeEqual(presented, Array(hmac.finalize()))
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}

/// An HMAC keyed once and never updated in place: each request copies it (a value type whose
/// state is copied on write) and feeds the copy, so sharing it between requests is safe.
struct PreKeyed<H: HashFunction>: @unchecked Sendable {
    let hmac: HMAC<H>

    init(_ hmac: HMAC<H>) {
        self.hmac = hmac
    }
}
