import Crypto
import Foundation

/// Random tokens and constant-time comparison for secrets.
enum Secrets {
    /// `bytes` random bytes as base64url without padding (session ids, CSRF tokens, passwords).
    static func token(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64url(Data(raw))
    }

    /// A second secret that anyone holding `secret` can compute and nobody else can
    /// (HMAC-SHA256 keyed by it): the CSRF token of a session, so no node has to store it.
    static func derived(from secret: String, purpose: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return base64url(Data(mac))
    }

    private static func base64url(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares without stopping at the first difference (length is not secret).
    static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        constantTimeEqual(Array(a.utf8), Array(b.utf8))
    }

    /// SHA-256 hex, to key in-memory tables by a secret without holding the secret itself.
    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
