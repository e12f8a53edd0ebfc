import Foundation

/// Fixed-format text for instants and calendar days, fast enough for replaying millions of
/// events (Foundation's formatters cost microseconds each).
public enum Timestamps {
    /// `2026-11-26T15:04:05Z` (UTC, whole seconds).
    public static func utc(_ date: Date) -> String {
        var t = time_t(floor(date.timeIntervalSince1970))
        var parts = tm()
        gmtime_r(&t, &parts)
        return format(parts, withTime: true)
    }

    /// The calendar day `date` falls on in `timeZone`, `YYYY-MM-DD`.
    public static func localDate(_ date: Date, in timeZone: TimeZone) -> String {
        let shifted = floor(date.timeIntervalSince1970) + Double(timeZone.secondsFromGMT(for: date))
        var t = time_t(shifted)
        var parts = tm()
        gmtime_r(&t, &parts)
        return format(parts, withTime: false)
    }

    /// Parses `utc(_:)`'s form (and any ISO 8601 with a zone) back to a date.
    public static func parseUTC(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }

    private static func format(_ p: tm, withTime: Bool) -> String {
        var out = pad(Int(p.tm_year) + 1900, 4) + "-" + pad(Int(p.tm_mon) + 1, 2) + "-" + pad(Int(p.tm_mday), 2)
        if withTime {
            out += "T" + pad(Int(p.tm_hour), 2) + ":" + pad(Int(p.tm_min), 2) + ":" + pad(Int(p.tm_sec), 2) + "Z"
        }
        return out
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
