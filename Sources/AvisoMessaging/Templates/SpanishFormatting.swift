/// A date without time or time zone (a due date is a calendar day, not an instant),
/// so formatting it can never shift it to the previous or next day.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil for dates that do not exist (2026-02-29) or years outside 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CalendarDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso: String) {
        let parts = iso.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// 0 = Sunday … 6 = Saturday (Sakamoto's method, proleptic Gregorian).
    public var weekday: Int {
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        return (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

public enum FormattingError: Error, Equatable, Sendable, CustomStringConvertible {
    case negativeAmount(Int64)
    case invalidCurrency(String)

    public var description: String {
        switch self {
        case .negativeAmount(let minor): "el monto no puede ser negativo (\(minor) en unidades menores)"
        case .invalidCurrency(let code): "«\(code)» no es un código de moneda ISO 4217 de tres letras"
        }
    }
}

/// Money and dates as Guatemalans read them: `Q1,250.00`, `lunes 5 de enero de 2026`.
/// Hand-written rather than via Foundation formatters so the output never depends on the
/// server's locale or ICU version.
public enum SpanishFormatting {
    static let weekdays = ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"]
    static let months = [
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ]

    /// `5 de enero`: short, and GSM-7 (no accents), for lists in an SMS.
    public static func dayAndMonth(_ date: CalendarDate) -> String {
        "\(date.day) de \(months[date.month - 1])"
    }

    /// `lunes 5 de enero de 2026`.
    public static func longDate(_ date: CalendarDate) -> String {
        "\(weekdays[date.weekday]) \(date.day) de \(months[date.month - 1]) de \(date.year)"
    }

    /// `Q1,250.00` (GTQ), `US$1,250.00` (USD), `EUR 1,250.00` (any other ISO code).
    /// `minorUnits` is in the currency's smallest unit (centavos); negatives are refused
    /// because a reminder never asks for a negative payment.
    public static func money(minorUnits: Int64, currency: String) throws(FormattingError) -> String {
        guard minorUnits >= 0 else { throw .negativeAmount(minorUnits) }
        let code = currency.uppercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw .invalidCurrency(currency) }

        let decimals = zeroDecimal.contains(code) ? 0 : threeDecimal.contains(code) ? 3 : 2
        var divisor: Int64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        var number = grouped(minorUnits / divisor)
        if decimals > 0 {
            let fraction = String(minorUnits % divisor)
            number += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        switch code {
        case "GTQ": return "Q" + number
        case "USD": return "US$" + number
        default: return code + " " + number
        }
    }

    private static let zeroDecimal: Set<String> = ["CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND", "XAF", "XOF"]
    private static let threeDecimal: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    /// 1234567 → `1,234,567`.
    private static func grouped(_ value: Int64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
