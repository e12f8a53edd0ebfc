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

    /// Digits written straight into a small buffer: this runs once per replayed event.
    private static func format(_ p: tm, withTime: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        func put(_ n: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var value = n
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
                value %= divisor
                divisor /= 10
            }
        }
        put(Int(p.tm_year) + 1900, 4); bytes.append(UInt8(ascii: "-"))
        put(Int(p.tm_mon) + 1, 2); bytes.append(UInt8(ascii: "-"))
        put(Int(p.tm_mday), 2)
        if withTime {
            bytes.append(UInt8(ascii: "T"))
            put(Int(p.tm_hour), 2); bytes.append(UInt8(ascii: ":"))
            put(Int(p.tm_min), 2); bytes.append(UInt8(ascii: ":"))
            put(Int(p.tm_sec), 2); bytes.append(UInt8(ascii: "Z"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
