import Foundation

/// Instants typed by people (`--now`, `--since`, `--until`), parsed strictly: Foundation's
/// ISO 8601 parser accepts `2026-12-01T25:61:00Z` and rolls it over to another day.
public enum StrictInstant {
    public struct Invalid: Error, CustomStringConvertible, Sendable, Equatable {
        public let text: String
        public let reason: String
        public var description: String { "`\(text)` is not a valid instant: \(reason)" }
    }

    /// The years accepted, the same as the ledger's (`EventValidation`).
    public static let years = 1970...2199

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, every field in range; with `allowDay`,
    /// also `YYYY-MM-DD` (midnight UTC).
    public static func parse(_ text: String, allowDay: Bool = false) throws(Invalid) -> Date {
        var s = Scanner(bytes: Array(text.utf8))
        func fail(_ reason: String) -> Invalid { Invalid(text: text, reason: reason) }
        guard let year = s.digits(4), s.take("-"), let month = s.digits(2), s.take("-"), let day = s.digits(2) else {
            throw fail("expected a date like 2026-11-26T15:00:00Z")
        }
        guard years.contains(year) else { throw fail("the year must lie between \(years.lowerBound) and \(years.upperBound)") }
        guard (1...12).contains(month) else { throw fail("there is no month \(month)") }
        guard (1...daysIn(month: month, year: year)).contains(day) else { throw fail("there is no day \(day) in month \(month) of \(year)") }
        let days = daysFromCivil(year: year, month: month, day: day)
        if s.atEnd {
            guard allowDay else { throw fail("a time and zone are required, like 2026-11-26T15:00:00Z") }
            return Date(timeIntervalSince1970: Double(days) * 86_400)
        }
        guard s.take("T"), let hour = s.digits(2), s.take(":"), let minute = s.digits(2), s.take(":"), let second = s.digits(2) else {
            throw fail("expected a time like T15:00:00 after the date")
        }
        guard hour < 24 else { throw fail("there is no hour \(hour)") }
        guard minute < 60 else { throw fail("there is no minute \(minute)") }
        guard second < 60 else { throw fail("there is no second \(second)") }
        var fraction = 0.0
        if s.take(".") {
            let start = s.index
            var scale = 0.1
            while let d = s.digit() { fraction += Double(d) * scale; scale /= 10 }
            guard (1...9).contains(s.index - start) else { throw fail("expected 1 to 9 digits after the decimal point") }
        }
        var offset = 0
        if s.take("Z") {
            offset = 0
        } else if let sign = s.sign() {
            guard let oh = s.digits(2), s.take(":"), let om = s.digits(2), oh <= 14, om < 60 else {
                throw fail("expected a zone like Z, -06:00 or +05:30")
            }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            throw fail("a zone is required: Z or an offset like -06:00")
        }
        guard s.atEnd else { throw fail("unexpected text after the zone") }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ ascii: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: ascii) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - UInt8(ascii: "0"))
        }

        /// Exactly `count` digits.
        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let d = digit() else { return nil }
                value = value * 10 + d
            }
            return value
        }

        mutating func sign() -> Int? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }
    }
}
