import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Mensajería's WhatsApp account box: the number's quality rating and messaging limit tier as
/// Meta last said, a warning when the last 24 hours' WhatsApp recipients pass the tier, and
/// WhatsApp messages per pricing category per day.
struct WhatsAppAccountView: Sendable {
    struct CostRow: Sendable {
        var date: String
        var category: String
        var messages: Int
        var billable: Int
    }

    var quality: String
    var qualityClass: String
    var tier: String
    var lastEvent: String?
    var updatedAt: String?
    var catalogueSyncedAt: String?
    var recipients24h: Int
    var overTier: String?
    var costs: [CostRow]
    var hasCosts: Bool
    /// SMS sent per day and their segments (what Twilio bills), beside WhatsApp's categories.
    var sms: [SMSRow]
    var hasSMS: Bool

    struct SMSRow: Sendable {
        var date: String
        var messages: Int
        var segments: Int
    }

    /// `planned`: clients the rest of today's runs would message on WhatsApp (`Scheduler.plan`),
    /// counted with the last 24 hours' recipients against the tier.
    static func build(_ db: Database, zone: TimeZone, now: Date = Date(), planned: Set<String> = []) throws -> WhatsAppAccountView {
        let account = try WhatsAppAccountReadModel.account(db)
        let recipients = try WhatsAppAccountReadModel.whatsappRecipients24h(db, sinceUTC: Timestamps.utc(now.addingTimeInterval(-24 * 3600)))
        let limit = account?.messagingLimitTier.flatMap(tierLimit)
        let fromDate = Timestamps.localDate(now.addingTimeInterval(-6 * 24 * 3600), in: zone)
        let sms = try smsPerDay(db, zone: zone, now: now)
        let costs = try WhatsAppAccountReadModel.conversationsPerCategory(db, fromDate: fromDate).map {
            CostRow(date: $0.localDate, category: category($0.category), messages: $0.messages, billable: $0.billable)
        }
        return WhatsAppAccountView(
            quality: quality(account?.qualityRating), qualityClass: qualityClass(account?.qualityRating),
            tier: tier(account?.messagingLimitTier), lastEvent: account?.lastEvent,
            updatedAt: account?.healthUpdatedAt.map { ConsoleFormatting.dateTime(utc: $0, in: zone) },
            catalogueSyncedAt: account?.catalogueSyncedAt.map { ConsoleFormatting.dateTime(utc: $0, in: zone) },
            recipients24h: recipients,
            overTier: limit.flatMap { limit in
                if recipients > limit {
                    return "En las últimas 24 horas hubo \(recipients) clientes con WhatsApp y el límite del número es \(limit): Meta puede rechazar los siguientes."
                }
                guard recipients + planned.count > limit else { return nil }
                return "Los envíos previstos para hoy llevarían a \(recipients + planned.count) clientes con WhatsApp en 24 horas (\(planned.count) por enviar), "
                    + "y el límite del número es \(limit): Meta rechazaría los que pasen."
            },
            costs: costs, hasCosts: !costs.isEmpty, sms: sms, hasSMS: !sms.isEmpty)
    }

    /// Real (not dry-run, not test) SMS sent in the last 7 local days, with their segments
    /// counted from the text as sent.
    static func smsPerDay(_ db: Database, zone: TimeZone, now: Date) throws -> [SMSRow] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT created_at, text FROM notifications_log
            WHERE channel = 'sms' AND message_id IS NOT NULL AND dry_run = 0 AND test = 0 AND created_at >= ?
              AND status NOT IN ('failed', 'undelivered', 'canceled')
            """, arguments: [Timestamps.utc(now.addingTimeInterval(-7 * 24 * 3600))])
        var byDay: [String: SMSRow] = [:]
        for row in rows {
            guard let at = Timestamps.parseUTC(row["created_at"]) else { continue }
            let day = Timestamps.localDate(at, in: zone)
            var entry = byDay[day] ?? SMSRow(date: day, messages: 0, segments: 0)
            entry.messages += 1
            entry.segments += SMSEncoding.info(for: (row["text"] as String?) ?? "").segments
            byDay[day] = entry
        }
        return byDay.values.sorted { $0.date < $1.date }
    }

    /// Unique recipients per rolling 24 h for each tier; nil for unlimited or unknown.
    static func tierLimit(_ tier: String) -> Int? {
        switch tier {
        case "TIER_50": 50
        case "TIER_250": 250
        case "TIER_1K": 1_000
        case "TIER_2K": 2_000
        case "TIER_10K": 10_000
        case "TIER_100K": 100_000
        default: nil
        }
    }

    static func tier(_ tier: String?) -> String {
        guard let tier else { return "Sin datos (sincronice con Meta)" }
        if tier == "TIER_UNLIMITED" { return "Sin límite" }
        return tierLimit(tier).map { "\($0.formatted(.number.locale(Locale(identifier: "es_GT")))) clientes cada 24 horas" } ?? tier
    }

    static func quality(_ rating: String?) -> String {
        switch rating {
        case "GREEN"?: "Alta (verde)"
        case "YELLOW"?: "Media (amarillo)"
        case "RED"?: "Baja (rojo)"
        case nil: "Sin datos (sincronice con Meta)"
        case let other?: other
        }
    }

    static func qualityClass(_ rating: String?) -> String {
        switch rating {
        case "GREEN"?: "ok"
        case "RED"?: "malo"
        default: "neutro"
        }
    }

    static func category(_ value: String) -> String {
        switch value.lowercased() {
        case "utility": "Utilidad"
        case "marketing": "Marketing"
        case "service": "Servicio"
        case "authentication": "Autenticación"
        default: value
        }
    }
}
