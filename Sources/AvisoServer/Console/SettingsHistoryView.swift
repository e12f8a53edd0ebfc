import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// Mensajería's history: who changed which setting, to what, and when (newest first).
enum SettingsHistoryView {
    struct Entry: Sendable {
        var when: String
        var who: String
        var changes: [String]
    }

    static let shown = 50

    static func entries(_ db: Database, zone: TimeZone) throws -> [Entry] {
        try SettingsChangeRecord.order(Column("position").desc).limit(shown).fetchAll(db).map { r in
            Entry(when: ConsoleFormatting.dateTime(utc: r.at, in: zone), who: try ConsoleFormatting.actorName(r.actor, db),
                  changes: r.decoded.map(describe) ?? ["(cambio ilegible)"])
        }
    }

    /// Each set field as `Label: value`, with the form's own labels.
    static func describe(_ e: SettingsChanged) -> [String] {
        typealias F = SettingsForm.Field
        var out: [String] = []
        func add(_ label: String, _ value: String?) { if let value { out.append("\(label): \(value)") } }
        add(F.timeZone.label, e.timeZone)
        add(F.quietStart.label, e.quietHoursStart)
        add(F.quietEnd.label, e.quietHoursEnd)
        add(F.dailyCap.label, e.dailyCap.map(String.init))
        add(F.weeklyMaximum.label, e.weeklyMaximum.map(String.init))
        add(F.runTime.label, e.runTime)
        add(F.reactivateTime.label, e.reactivateTime)
        add(F.pendingDays.label, e.reactivatePendingDays.map(String.init))
        add(F.intervalDays.label, e.reactivateIntervalDays.map(String.init))
        add(F.whatsappRate.label, e.whatsappMessagesPerSecond.map(SettingsForm.number))
        add(F.smsSegmentPrice.label, e.smsSegmentPrice.map(SettingsForm.number))
        add("Etapas activas", e.enabledStages.map { $0.isEmpty ? "ninguna" : $0.joined(separator: ", ") })
        add("SMS solo GSM-7", e.smsTransliteration.map { $0 ? "sí" : "no" })
        if let paused = e.paused {
            out.append(paused ? "Envíos en pausa" + (e.pauseReason.map { ": «\($0)»" } ?? "") : "Envíos reanudados")
        }
        return out
    }
}
