import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The message a client gets at a stage, for the preview and the test send: built with the
/// scheduler's own `ReminderContext`, on the day that stage falls for the client.
///
/// - An installment stage (`D-2`, `WEEKLY_3`…): the client's installment at that stage today,
///   else its earliest unpaid one, on the day the stage falls for it (a `WEEKLY_2` preview of an
///   installment due next month shows it as it will read then, never "15 días de atraso" now).
///   Every other installment at a stage that day and every one overdue by then join the message,
///   as the scheduler would send it. `single` keeps to the one installment (the template editor
///   previews the stage's own text).
/// - `REACTIVATE_*`: the summary as of today; `VARIAS_CUOTAS`: the overdue installments and the next one.
public enum ReminderPreview {
    public struct Draft: Sendable, Equatable {
        public var message: ReminderContext.Message
        public var installmentId: String?
        /// The local day the message is built for.
        public var day: LocalDay
    }

    public static func draft(_ db: Database, client: ClientInfo, stageName: String, now: Date, single: Bool = false) throws -> Draft {
        let policy = try Policy(db, now: now)
        let today = policy.today
        let basic = TemplateContext(name: client.name, advisorName: client.advisor, paymentLink: client.paymentLink)
        // What the scheduler reminds (pending); a client with none is previewed with what it
        // has unpaid (awaiting confirmation), so staff still see the words.
        var pending = try unpaid(db, clientId: client.id, statuses: "'pending'")
        if pending.isEmpty { pending = try unpaid(db, clientId: client.id, statuses: "'pending_confirmation'") }

        if stageName == StagePlan.reactivateOverdue || stageName == StagePlan.reactivatePending {
            var installments = try Candidates.summaryInstallments(db, clientId: client.id, stage: stageName, policy: policy)
            if installments.isEmpty { installments = pending }
            let context = installments.isEmpty ? basic
                : ReminderContext.summary(client: client, stage: stageName, installments: installments, day: today)
            return Draft(message: .init(templateStage: stageName, context: context), installmentId: nil, day: today)
        }
        if stageName == TemplateStage.combined.rawValue {
            let overdue = pending.filter { $0.dueDate < today.iso }
            let next = pending.first { $0.dueDate >= today.iso }
            let all = overdue + (next.map { [$0] } ?? [])
            guard let first = all.first else {
                return Draft(message: .init(templateStage: stageName, context: basic), installmentId: nil, day: today)
            }
            let stage = StagePlan.stage(daysFromDue: first.daysFromDue(on: today), weeklyMaximum: 52) ?? "D0"
            let message = ReminderContext.reminder(client: client, items: [StageItem(installment: first, stage: stage)],
                                                   otherOverdue: Array(all.dropFirst()), day: today, combined: true)
            return Draft(message: message, installmentId: first.id, day: today)
        }
        guard let offset = StagePlan.offset(of: stageName) else {
            return Draft(message: .init(templateStage: stageName, context: basic), installmentId: nil, day: today)
        }
        guard let subject = pending.first(where: { $0.due.map { today - $0 } == offset }) ?? pending.first,
              let due = subject.due else {
            return Draft(message: .init(templateStage: stageName, context: basic), installmentId: nil, day: today)
        }
        let day = due + offset
        if single {
            return Draft(message: .init(templateStage: stageName, context: ReminderContext.single(client: client, installment: subject, stage: stageName)),
                         installmentId: subject.id, day: day)
        }
        // As the scheduler would decide that day: every installment at an enabled stage, oldest first.
        var items: [StageItem] = []
        for installment in pending {
            guard let itsDue = installment.due else { continue }
            if installment.id == subject.id {
                items.append(StageItem(installment: installment, stage: stageName))
            } else if let stage = StagePlan.stage(dueDate: itsDue, on: day, weeklyMaximum: policy.settings.weeklyMaximum),
                      policy.isEnabled(stage) {
                items.append(StageItem(installment: installment, stage: stage))
            }
        }
        let others = pending.filter { o in o.dueDate < day.iso && !items.contains { $0.installment.id == o.id } }
        return Draft(message: ReminderContext.reminder(client: client, items: items, otherOverdue: others, day: day),
                     installmentId: items[0].installment.id, day: day)
    }

    private static func unpaid(_ db: Database, clientId: String, statuses: String) throws -> [InstallmentFacts] {
        try Row.fetchAll(db, sql: """
            SELECT \(InstallmentFacts.columns) FROM installments i WHERE i.client_id = ? AND i.status IN (\(statuses))
            ORDER BY i.due_date, i.id
            """, arguments: [clientId]).map { InstallmentFacts(row: $0) }
    }
}
