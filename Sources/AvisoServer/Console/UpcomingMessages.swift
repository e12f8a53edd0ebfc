import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation

/// What the scheduler would send next, from its own dry-run plan (`Scheduler.plan`): today's
/// remaining run and tomorrow's, reminders and reactivation. Appends nothing. Tomorrow's plan
/// is decided on today's data (a payment or a reply before then changes it).
struct UpcomingMessages: Sendable {
    struct Entry: Sendable {
        var clientId: String
        var clientName: String
        var clientHref: String
        var installment: String
        var stage: String
        var channel: String
        var decision: String
        var decisionClass: String
        var why: String
    }

    struct Moment: Sendable {
        var title: String
        var entries: [Entry]
        var empty: Bool { entries.isEmpty }
        var summary: String
    }

    let store: AvisoStore

    /// The two moments for the clients in `clientIds` (nil: every client).
    func moments(now: Date = Date(), clientIds: Set<String>?) async throws -> [Moment] {
        let (settings, names) = try await store.readAsync { db in
            (try MessagingSettings.current(db),
             Dictionary(try ClientRecord.fetchAll(db).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }))
        }
        let zone = settings.zone
        if settings.isPaused {
            return [Moment(title: "Envíos en pausa", entries: [],
                           summary: "No se decide ni se envía nada hasta que un administrador reanude los envíos.")]
        }
        guard let today = LocalDay(iso: Timestamps.localDate(now, in: zone)) else { return [] }
        let runMinute = LocalClock.parseMinute(settings.runTime) ?? 9 * 60
        let reactivateMinute = LocalClock.parseMinute(settings.reactivateTime) ?? runMinute
        var out: [Moment] = []
        for (offset, label) in [(0, "Hoy"), (1, "Mañana")] {
            let day = today + offset
            var entries: [Entry] = []
            for (kind, minute) in [(Scheduler.PlanKind.stages, runMinute), (.reactivation, reactivateMinute)] {
                // Today's run already went: what a run now would still do.
                let at = max(offset == 0 ? now : .distantPast, LocalClock.instant(day, minute: minute, in: zone))
                let plan = try await store.readAsync { try Scheduler.plan($0, now: at, kind: kind) }
                entries += plan.messages.filter { clientIds?.contains($0.clientId) ?? true }
                    .map { Self.entry($0, name: names[$0.clientId], zone: zone) }
            }
            let date = CalendarDate(iso: day.description).map(SpanishFormatting.longDate) ?? day.description
            let runPassed = offset == 0 && now > LocalClock.instant(day, minute: runMinute, in: zone)
            let when = runPassed ? "lo que haría una corrida ahora; el envío de las \(settings.runTime) ya pasó" : "envío de las \(settings.runTime)"
            out.append(Moment(title: "\(label), \(date) (\(when))", entries: entries, summary: Self.summary(entries)))
        }
        return out
    }

    static func entry(_ m: PlannedMessage, name: String?, zone: TimeZone) -> Entry {
        let (decision, css, why): (String, String, String) = switch m.decision {
        case .send:
            ("Se envía", "ok", m.covers > 0 ? "Incluye \(m.covers) cuota\(m.covers == 1 ? "" : "s") más en el mismo mensaje." : "Le toca esta etapa.")
        case .deferred:
            ("En espera", "neutro", m.notBefore.map { "Horario de silencio: sale a partir de " + ConsoleFormatting.dateTime($0, in: zone) + "." }
                ?? "Horario de silencio.")
        case .skipped:
            ("Se omite", "neutro", MessageVocabulary.skipReason(m.reason ?? ""))
        case .ignoredInvalidPhone:
            ("No se envía", "malo", MessageVocabulary.ignoreReason(m.reason ?? ""))
        }
        return Entry(clientId: m.clientId, clientName: name ?? m.clientId, clientHref: "/clientes/\(m.clientId)",
                     installment: m.installmentId ?? "—", stage: MessageVocabulary.stage(m.templateStage ?? m.stage),
                     channel: MessageVocabulary.channel(m.channel.rawValue), decision: decision, decisionClass: css,
                     why: why + (m.detail.map { " (\($0))" } ?? ""))
    }

    static func summary(_ entries: [Entry]) -> String {
        let sent = entries.filter { $0.decisionClass == "ok" }.count
        return entries.isEmpty ? "Nada planificado." : "\(entries.count) en total, \(sent) se envía\(sent == 1 ? "" : "n")."
    }
}
