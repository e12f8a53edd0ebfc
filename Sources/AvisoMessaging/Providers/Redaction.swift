import AvisoLedger
import Foundation

/// Keeps phone numbers out of provider error text (masking itself is `Masking`'s).
public enum Redaction {
    /// Masks anything that looks like a phone number (7+ digits, spaces/dashes allowed) inside
    /// provider error text, e.g. Twilio 21211 "The 'To' number +50255551234 is not valid",
    /// while keeping short numbers such as error codes. Also flattens and caps the text.
    public static func scrubProviderText(_ text: String, maxLength: Int = 120) -> String {
        // A '+' or digit, then digits/separators, ending on a digit. Built per call: error path only.
        let phoneLike = try! Regex(#"\+?\d[\d \-().]*\d"#)
        let scrubbed = text.replacing(phoneLike) { match in
            let candidate = String(text[match.range])
            return candidate.filter(\.isNumber).count >= 7 ? Masking.phone(candidate) : candidate
        }
        let singleLine = scrubbed.replacingOccurrences(of: "\n", with: " ")
        return singleLine.count > maxLength ? String(singleLine.prefix(maxLength)) + "…" : singleLine
    }
}

/// A credential that can't leak through interpolation, `print`, `dump` or `debugPrint`:
/// every string form is the masked value. Only this module reads the real value.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    public init(_ value: String) { self.value = value }

    public var masked: String { Masking.secret(value) }
    public var description: String { masked }
    public var debugDescription: String { "Secret(\(masked))" }
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }
}
