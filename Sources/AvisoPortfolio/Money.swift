import AvisoLedger
import Foundation

/// Amounts as exact minor units (centavos).
enum Money {
    /// `1250`, `1250.5`, `1250.00` → 125000. No sign, no thousands separators, ≤ 2 decimals.
    static func minorUnits(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber),
              let units = Int64(whole), units < 1_000_000_000_000 else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
            cents = Int64(fraction.count == 1 ? fraction + "0" : fraction)!
        }
        return units * 100 + cents
    }
}

/// Calendar dates `YYYY-MM-DD`, and the demo fixtures' relative form `@+N` / `@-N`
/// (N days from today in the settings' time zone), so the demo portfolio is always current.
enum DueDateText {
    static func parse(_ text: String, today: Date, timeZone: TimeZone) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        if text.hasPrefix("@"), let offset = Int(text.dropFirst().replacingOccurrences(of: "+", with: "")) {
            // Today's local date, taken as a UTC midnight so adding days is plain calendar arithmetic.
            let local = Timestamps.localDate(today, in: timeZone)
            guard let midnight = Timestamps.parseUTC(local + "T00:00:00Z"),
                  let day = calendar.date(byAdding: .day, value: offset, to: midnight) else { return nil }
            let c = calendar.dateComponents([.year, .month, .day], from: day)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        let components = DateComponents(year: y, month: m, day: d)
        guard components.isValidDate(in: calendar) else { return nil }
        return text
    }
}
