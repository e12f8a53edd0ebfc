import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The admin's dashboard: delivery rates by channel and by stage over 7 and 30 days, SMS
/// segments spent (and their cost at a price per segment), failures by reason. Simulated
/// (dry-run) sends are counted apart and never in the rates.
struct DeliveryDashboard: Sendable {
    struct Rate: Sendable {
        var label: String
        var sent: Int
        var delivered: Int
        var failed: Int
        var rate: String
    }

    struct Failure: Sendable {
        var reason: String
        var count: Int
        var href: String
    }

    struct Period: Sendable {
        var title: String
        var byChannel: [Rate]
        var byStage: [Rate]
        var simulated: Int
        var smsSegments: Int
        var smsCost: String?
        var failures: [Failure]
        var noFailures: Bool { failures.isEmpty }
    }

    var periods: [Period]
    /// The saved price per SMS segment, as shown (`Q0.35`); nil while no admin has set one.
    var price: String?

    /// Costs use the price per segment saved in Mensajería (`SettingsChanged.smsSegmentPrice`);
    /// without one, no cost is shown.
    static func build(_ db: Database, now: Date = Date()) throws -> DeliveryDashboard {
        let settings = try MessagingSettings.current(db)
        let perSegment = settings.smsSegmentPrice
        let periods = try [7, 30].map { days in
            try period(db, days: days, zone: settings.zone, now: now, perSegment: perSegment)
        }
        return DeliveryDashboard(periods: periods, price: perSegment.map { "Q" + SettingsForm.number($0) })
    }

    static func period(_ db: Database, days: Int, zone: TimeZone, now: Date, perSegment: Double?) throws -> Period {
        guard let today = CalendarDate(iso: Timestamps.localDate(now, in: zone)),
              let first = MessageFilters.startOfDay(today, zone, plusDays: -(days - 1)) else {
            return Period(title: "", byChannel: [], byStage: [], simulated: 0, smsSegments: 0, failures: [])
        }
        let rows = try NotificationRecord.filter(Column("created_at") >= Timestamps.utc(first))
            .filter(DeliveryChart.sentStatuses.contains(Column("status")) || DeliveryChart.failedStatuses.contains(Column("status")))
            .fetchAll(db)
        let real = rows.filter { !$0.dryRun }
        let simulated = rows.count - real.count
        // What the operator bills: every SMS it took, delivered or not (`failed` never left).
        let segments = real.filter { $0.channel == Channel.sms.rawValue && $0.status != "failed" }
            .reduce(0) { $0 + ($1.text.map { SMSEncoding.info(for: $0).segments } ?? 1) }
        var failures: [String: Int] = [:]
        for r in real where DeliveryChart.failedStatuses.contains(r.status) {
            failures[r.errorCode ?? "", default: 0] += 1
        }
        let since = Timestamps.localDate(first, in: zone)
        return Period(
            title: "Últimos \(days) días",
            byChannel: Channel.allCases.map { c in rate(MessageVocabulary.channel(c.rawValue), real.filter { $0.channel == c.rawValue }) },
            byStage: Dictionary(grouping: real) { MessageVocabulary.stage($0.stage) }.sorted { $0.key < $1.key }.map { rate($0.key, $0.value) },
            simulated: simulated, smsSegments: segments,
            smsCost: perSegment.map { String(format: "Q%.2f", Double(segments) * $0) },
            failures: failures.sorted { $0.value > $1.value }.map { code, count in
                Failure(reason: MessageVocabulary.providerError(code) ?? "sin código del proveedor", count: count,
                        href: "/mensajes?estado=failed&desde=\(since)")
            })
    }

    static func rate(_ label: String, _ rows: [NotificationRecord]) -> Rate {
        let sent = rows.count
        let delivered = rows.filter { DeliveryChart.deliveredStatuses.contains($0.status) }.count
        let failed = rows.filter { DeliveryChart.failedStatuses.contains($0.status) }.count
        return Rate(label: label, sent: sent, delivered: delivered, failed: failed,
                    rate: sent == 0 ? "—" : String(format: "%.0f %%", Double(delivered) * 100 / Double(sent)))
    }
}
