/// What may be shown of sensitive values in logs, events and pages.
public enum Masking {
    /// All digits but the last 4 replaced: `+502 5555-1234` → `•••••••1234`.
    /// Short or digit-less values are fully masked.
    public static func phone(_ raw: String) -> String {
        let digits = raw.filter(\.isASCII).filter(\.isNumber)
        guard digits.count > 4 else { return String(repeating: "•", count: max(digits.count, 1)) }
        return String(repeating: "•", count: digits.count - 4) + digits.suffix(4)
    }

    /// The last 4 characters of a token or SID, the most a page may show: `…a1b2`.
    public static func secretTail(_ secret: String) -> String {
        secret.count > 8 ? "…" + secret.suffix(4) : "…"
    }
}
