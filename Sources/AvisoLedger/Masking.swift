/// What may be shown of sensitive values in logs, events, errors and pages.
public enum Masking {
    /// `+502 5555-1234` → `***1234`: the last 4 digits only, and not even the length.
    public static func phone(_ raw: String) -> String {
        let digits = raw.filter(\.isASCII).filter(\.isNumber)
        return digits.count > 4 ? "***" + String(digits.suffix(4)) : "***"
    }

    /// At most the last 4 characters, and only for values long enough that 4 characters
    /// reveal little (real tokens and SIDs are 32+ characters).
    public static func secret(_ secret: String) -> String {
        secret.count >= 12 ? "…" + String(secret.suffix(4)) : "***"
    }
}
