import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Sent, delivered and failed messages per local day for the last 30 days, as numbers an
/// inline SVG template draws (no script, no external assets).
struct DeliveryChart: Sendable {
    struct Bar: Sendable {
        var x: String
        var y: String
        var width: String
        var height: String
        var kind: String
        var title: String
    }

    struct Label: Sendable {
        var x: String
        var y: String
        var text: String
        /// `end` for the last label, so it stays inside the picture.
        var anchor = "middle"
    }

    struct GridLine: Sendable {
        var x1: String
        var x2: String
        var y: String
        var labelX: String
        var labelY: String
        var label: String
    }

    struct Day: Sendable, Equatable {
        var date: CalendarDate
        var sent = 0
        var delivered = 0
        var failed = 0
        /// Dry-run sends: nothing reached a phone, so they are counted apart from the bars.
        var simulated = 0
    }

    static let days = 30
    static let sentStatuses = ["accepted", "queued", "sending", "sent", "delivered", "read"]
    static let deliveredStatuses = ["delivered", "read"]
    static let failedStatuses = ["failed", "undelivered"]

    var width = 760
    var height = 200
    var caption: String
    var totals: String
    /// `3 simulaciones (no enviadas)`, nil when there were none.
    var simulated: String?
    var bars: [Bar] = []
    var labels: [Label] = []
    var gridLines: [GridLine] = []

    /// Counts per day for `clientIds` (nil: all), ending today in `zone`.
    static func count(_ db: Database, clientIds: [String]?, zone: TimeZone, now: Date = Date()) throws -> [Day] {
        guard let today = CalendarDate(iso: Timestamps.localDate(now, in: zone)),
              let first = MessageFilters.startOfDay(today, zone, plusDays: -(days - 1)) else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var out: [Day] = (0..<days).compactMap { i in
            calendar.date(byAdding: .day, value: i, to: first)
                .flatMap { CalendarDate(iso: Timestamps.localDate($0, in: zone)) }.map { Day(date: $0) }
        }
        let index = Dictionary(out.enumerated().map { ($0.element.date.description, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var request = NotificationRecord.select(Column("created_at"), Column("status"), Column("dry_run"))
            .filter(Column("created_at") >= Timestamps.utc(first))
        if let clientIds { request = request.filter(clientIds.contains(Column("client_id"))) }
        for row in try request.asRequest(of: Row.self).fetchAll(db) {
            guard let at = Timestamps.parseUTC(row["created_at"]), let i = index[Timestamps.localDate(at, in: zone)] else { continue }
            let status: String = row["status"]
            if (row["dry_run"] as Bool?) == true {
                if sentStatuses.contains(status) { out[i].simulated += 1 }
                continue
            }
            if sentStatuses.contains(status) { out[i].sent += 1 }
            if deliveredStatuses.contains(status) { out[i].delivered += 1 }
            if failedStatuses.contains(status) { out[i].failed += 1 }
        }
        return out
    }

    init(_ days: [Day]) {
        let sent = days.reduce(0) { $0 + $1.sent }, delivered = days.reduce(0) { $0 + $1.delivered }
        let failed = days.reduce(0) { $0 + $1.failed }
        totals = [Self.counted(sent, "enviado"), Self.counted(delivered, "entregado"), Self.counted(failed, "fallido")].joined(separator: ", ")
        let range = days.first.map { SpanishFormatting.longDate($0.date) } ?? ""
        let end = days.last.map { SpanishFormatting.longDate($0.date) } ?? ""
        let simulatedCount = days.reduce(0) { $0 + $1.simulated }
        simulated = simulatedCount == 0 ? nil
            : "\(simulatedCount) \(simulatedCount == 1 ? "simulación" : "simulaciones") (no enviadas; no cuentan en la gráfica)"
        caption = "Mensajes por día del \(range) al \(end): \(totals)"
        let left = 34.0, bottom = 22.0, top = 8.0
        let plotWidth = Double(width) - left - 4, plotHeight = Double(height) - bottom - top
        let highest = max(1, days.map { max($0.sent, $0.delivered, $0.failed) }.max() ?? 1)
        // A round top so the grid reads 0, ½, top.
        let scaleTop = Double(Self.roundUp(highest))
        let slot = plotWidth / Double(max(1, days.count))
        let barWidth = max(1, (slot - 3) / 3)
        func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
        for (i, day) in days.enumerated() {
            let name = SpanishFormatting.longDate(day.date)
            for (j, (value, kind)) in [(day.sent, "enviado"), (day.delivered, "entregado"), (day.failed, "fallido")].enumerated() {
                let h = plotHeight * Double(value) / scaleTop
                bars.append(Bar(x: fmt(left + Double(i) * slot + 1 + Double(j) * barWidth), y: fmt(top + plotHeight - h),
                                width: fmt(barWidth), height: fmt(h), kind: kind, title: "\(name): \(Self.counted(value, kind))"))
            }
            if i == days.count - 1 {
                labels.append(Label(x: fmt(left + Double(i + 1) * slot), y: fmt(Double(height) - 6),
                                    text: ConsoleFormatting.shortDate(day.date), anchor: "end"))
            } else if i % 5 == 0, i > 0, i < days.count - 5 {
                // Every fifth day, clear of the axis numbers and of the last label (phones draw them large).
                labels.append(Label(x: fmt(left + (Double(i) + 0.5) * slot), y: fmt(Double(height) - 6),
                                    text: ConsoleFormatting.shortDate(day.date)))
            }
        }
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            let value = scaleTop * fraction
            gridLines.append(GridLine(x1: fmt(left), x2: fmt(Double(width) - 4), y: fmt(y), labelX: fmt(left - 4), labelY: fmt(y + 3),
                                      label: value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)))
        }
    }

    /// `1 enviado`, `3 enviados`.
    static func counted(_ n: Int, _ word: String) -> String {
        "\(n) \(word)\(n == 1 ? "" : "s")"
    }

    static func roundUp(_ n: Int) -> Int {
        if n <= 5 { return n <= 2 ? 2 : (n <= 4 ? 4 : 6) }
        var step = 1
        while step * 10 < n { step *= 10 }
        let candidates = [1, 2, 5, 10].map { $0 * step }
        return candidates.first { $0 >= n } ?? n
    }
}
