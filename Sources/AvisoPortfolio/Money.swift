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
/// Both are bounded: a relative date within ±36,500 days (a century), any date in 1970–2199,
/// the years the ledger accepts.
enum DueDateText {
    static let maxRelativeDays = 36_500
    static let years = 1970...2199

    struct Invalid: Error {
        let message: String
    }

    static func parse(_ text: String, today: Date, timeZone: TimeZone) throws(Invalid) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        if text.hasPrefix("@") {
            let sign = text.dropFirst().first
            let digits = (sign == "+" || sign == "-") ? text.dropFirst(2) : text.dropFirst()
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw Invalid(message: "`\(text)` is not a relative date like @+30 or @-5 (days from today)")
            }
            guard digits.count <= 6, let magnitude = Int(digits), magnitude <= maxRelativeDays else {
                throw Invalid(message: "`\(text)` is more than \(maxRelativeDays) days from today")
            }
            // Today's local date, taken as a UTC midnight so adding days is plain calendar arithmetic.
            let local = Timestamps.localDate(today, in: timeZone)
            guard let midnight = Timestamps.parseUTC(local + "T00:00:00Z"),
                  let day = calendar.date(byAdding: .day, value: sign == "-" ? -magnitude : magnitude, to: midnight) else {
                throw Invalid(message: "`\(text)` cannot be placed on the calendar")
            }
            let c = calendar.dateComponents([.year, .month, .day], from: day)
            return try checked(String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), year: c.year!, text: text)
        }
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              DateComponents(year: y, month: m, day: d).isValidDate(in: calendar) else {
            throw Invalid(message: "`\(text)` is not a date YYYY-MM-DD (or @+N / @-N days from today)")
        }
        return try checked(text, year: y, text: text)
    }

    private static func checked(_ date: String, year: Int, text: String) throws(Invalid) -> String {
        guard years.contains(year) else {
            throw Invalid(message: "`\(text)` falls in \(year); due dates must lie between \(years.lowerBound) and \(years.upperBound)")
        }
        return date
    }
}
