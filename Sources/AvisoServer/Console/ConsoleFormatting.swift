import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Dates as the lender reads them (`lunes 5 de enero de 2026, 14:05`, local time) and
/// ledger actors as names.
enum ConsoleFormatting {
    /// `lunes 5 de enero de 2026, 14:05` for an instant, in `zone`.
    static func dateTime(_ date: Date, in zone: TimeZone) -> String {
        guard let day = CalendarDate(iso: Timestamps.localDate(date, in: zone)) else { return Timestamps.utc(date) }
        return SpanishFormatting.longDate(day) + clock(date, zone)
    }

    /// `, 14:05` local.
    static func clock(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: ", %02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// The same for a stored `2026-01-05T20:05:00Z`; the text itself when it doesn't parse.
    static func dateTime(utc text: String, in zone: TimeZone) -> String {
        Timestamps.parseUTC(text).map { dateTime($0, in: zone) } ?? text
    }

    /// `5 ene 2026, 14:05`: a table cell on one line (the long form goes in its `title`).
    static func shortDateTime(utc text: String, in zone: TimeZone) -> String {
        guard let date = Timestamps.parseUTC(text), let day = CalendarDate(iso: Timestamps.localDate(date, in: zone)) else { return text }
        return shortDate(day) + " \(day.year)" + clock(date, zone)
    }

    /// An SMS's estimated cost factor for a person: `×1 (un SMS de un segmento)`, `×3 (3 segmentos UCS-2)`.
    static func cost(_ sms: SMSInfo) -> String {
        let factor = sms.costFactor == sms.costFactor.rounded() ? String(Int(sms.costFactor)) : String(format: "%.1f", sms.costFactor)
        let parts = sms.segments == 1 ? "un SMS de un segmento" : "\(sms.segments) segmentos"
        return "×\(factor) (\(parts) \(sms.encoding.rawValue))"
    }

    /// `5 ene` for chart labels.
    static func shortDate(_ day: CalendarDate) -> String {
        let months = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]
        return "\(day.day) \(months[day.month - 1])"
    }

    /// `user:u-abc` → the user's name; `system`, `cron`, `demo` in Spanish; anything else as is.
    static func actorName(_ actor: String, _ db: Database) throws -> String {
        switch actor {
        case "system": return "Sistema (valores de fábrica)"
        case "cron": return "Programador automático"
        default: break
        }
        if actor.hasPrefix("user:") {
            let id = String(actor.dropFirst("user:".count))
            if let user = try UserRecord.fetchOne(db, key: id) { return user.name }
            if let user = try UserRecord.filter(Column("login") == id).fetchOne(db) { return user.name }
        }
        return actor
    }
}
