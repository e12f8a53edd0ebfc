import AvisoLedger
import AvisoProjections
import Foundation

/// A calendar day as a count of days since 1970-01-01, so "15 days before" is plain
/// arithmetic that is exact across month ends, year ends and leap days.
public struct LocalDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDay.daysIn(month: month, year: year) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        dayNumber = era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso: some StringProtocol) {
        let u = Array(iso.utf8)
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r { guard u[i] >= 48, u[i] <= 57 else { return nil }; n = n * 10 + Int(u[i] - 48) }
            return n
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The day `date` falls on in `timeZone` (the zone's offset at that instant, DST included).
    public init(_ date: Date, in timeZone: TimeZone) {
        let local = Int(floor(date.timeIntervalSince1970)) + timeZone.secondsFromGMT(for: date)
        dayNumber = Int(floor(Double(local) / 86_400))
    }

    public var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var iso: String {
        let (y, m, d) = components
        func pad(_ n: Int, _ w: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public var description: String { iso }

    public static func + (day: LocalDay, days: Int) -> LocalDay { LocalDay(dayNumber: day.dayNumber + days) }
    public static func - (day: LocalDay, days: Int) -> LocalDay { LocalDay(dayNumber: day.dayNumber - days) }
    public static func - (a: LocalDay, b: LocalDay) -> Int { a.dayNumber - b.dayNumber }
    public static func < (a: LocalDay, b: LocalDay) -> Bool { a.dayNumber < b.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Local wall-clock arithmetic in the settings' IANA zone (never a fixed offset).
public enum LocalClock {
    /// Minutes since local midnight at `date`.
    public static func minuteOfDay(_ date: Date, in timeZone: TimeZone) -> Int {
        let local = Int(floor(date.timeIntervalSince1970)) + timeZone.secondsFromGMT(for: date)
        return ((local % 86_400 + 86_400) % 86_400) / 60
    }

    /// The instant of local `day` at `minute` past midnight. In a DST gap Calendar moves it
    /// forward to the first instant that exists.
    public static func instant(_ day: LocalDay, minute: Int, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let (y, m, d) = day.components
        let parts = DateComponents(year: y, month: m, day: d, hour: minute / 60, minute: minute % 60)
        if let date = calendar.date(from: parts) { return date }
        return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + minute * 60 - timeZone.secondsFromGMT()))
    }

    /// `[start of day, start of next day)` as instants.
    public static func bounds(of day: LocalDay, in timeZone: TimeZone) -> (start: Date, end: Date) {
        (instant(day, minute: 0, in: timeZone), instant(day + 1, minute: 0, in: timeZone))
    }

    /// Parses local `HH:mm` into minutes since midnight.
    public static func parseMinute(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }
}

/// The quiet hours, local and to the minute: `start` inclusive, `end` exclusive. A window
/// whose start is after its end crosses midnight (20:00–08:00); `end` 00:00 means until
/// midnight; `start == end` means no quiet hours at all.
public struct QuietHours: Sendable, Equatable {
    public var start: Int
    public var end: Int

    public init(startMinute: Int, endMinute: Int) {
        start = startMinute
        end = endMinute
    }

    public init?(start: String, end: String) {
        guard let s = LocalClock.parseMinute(start), let e = LocalClock.parseMinute(end) else { return nil }
        self.init(startMinute: s, endMinute: e)
    }

    public func contains(minuteOfDay m: Int) -> Bool {
        if start == end { return false }
        if start < end { return m >= start && m < end }
        return m >= start || m < end
    }

    public func isQuiet(at date: Date, in timeZone: TimeZone) -> Bool {
        contains(minuteOfDay: LocalClock.minuteOfDay(date, in: timeZone))
    }

    /// When the window opens again if `date` is inside it, else nil.
    public func opening(after date: Date, in timeZone: TimeZone) -> Date? {
        let m = LocalClock.minuteOfDay(date, in: timeZone)
        guard contains(minuteOfDay: m) else { return nil }
        let today = LocalDay(date, in: timeZone)
        // Inside the evening part of a window that crosses midnight: it opens tomorrow.
        let day = start > end && m >= start ? today + 1 : today
        return LocalClock.instant(day, minute: end, in: timeZone)
    }
}

extension MessagingSettings {
    /// The settings' quiet hours (the lender's 20:00–08:00 if the saved times don't parse).
    public var quietHours: QuietHours {
        QuietHours(start: quietHoursStart, end: quietHoursEnd) ?? QuietHours(startMinute: 20 * 60, endMinute: 8 * 60)
    }
}
