import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// An installment row, as a message needs it.
public struct InstallmentFacts: Sendable, Equatable {
    public var id: String
    public var loanId: String
    public var number: Int
    /// `YYYY-MM-DD`.
    public var dueDate: String
    public var amountMinor: Int64
    public var currency: String

    init(row: Row, idColumn: String = "id") {
        id = row[idColumn]
        loanId = row["loan_id"]
        number = row["number"]
        dueDate = row["due_date"]
        amountMinor = row["amount_minor"]
        currency = row["currency"]
    }

    static let columns = "i.id, i.loan_id, i.number, i.due_date, i.amount_minor, i.currency"

    var amount: CurrencyAmount { CurrencyAmount(currency: currency, minorUnits: amountMinor) }
    var due: LocalDay? { LocalDay(iso: dueDate) }

    func daysFromDue(on day: LocalDay) -> Int { due.map { day - $0 } ?? 0 }

    /// The client's unpaid (`pending`) installments due before `day`, oldest first.
    static func overdue(_ db: Database, clientId: String, before day: LocalDay) throws -> [InstallmentFacts] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(columns) FROM installments i WHERE i.client_id = ? AND i.status = 'pending' AND i.due_date < ?
            ORDER BY i.due_date, i.loan_id, i.number
            """), arguments: [clientId, day.iso]).map { InstallmentFacts(row: $0) }
    }

    static func fetch(_ db: Database, id: String) throws -> InstallmentFacts? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM installments i WHERE i.id = ?"), arguments: [id])
            .map { InstallmentFacts(row: $0) }
    }
}

/// An installment at a stage: one line of a reminder.
public struct StageItem: Sendable, Equatable {
    public var installment: InstallmentFacts
    public var stage: String
}

/// The one place a message's words get their values, for the scheduler, the preview and the
/// test send alike: what is previewed is what is sent.
///
/// A client gets one reminder per moment. When one installment is at a stage and nothing else
/// is overdue, the stage's own template is used; when several installments are at a stage
/// the same day, or other installments are overdue, the message is `VARIAS_CUOTAS`, listing
/// them all (`{{cuotas}}`) with the total per currency (`{{monto}}`).
public enum ReminderContext {
    public struct Message: Sendable, Equatable {
        /// The scheduler stage whose template renders it (`D-2`, `WEEKLY_3`, `VARIAS_CUOTAS`…).
        public var templateStage: String
        public var context: TemplateContext
    }

    /// The reminder for `items` (installments at a stage on `day`, the most urgent first) when
    /// the client also owes `otherOverdue` (unpaid, due before `day`, not among `items`).
    /// `combined`: always `VARIAS_CUOTAS` (its own preview), even for one installment.
    public static func reminder(client: ClientInfo, items: [StageItem], otherOverdue: [InstallmentFacts], day: LocalDay,
                                combined: Bool = false) -> Message {
        precondition(!items.isEmpty, "a reminder covers at least one installment")
        let primary = items[0]
        var context = single(client: client, installment: primary.installment, stage: primary.stage)
        guard items.count > 1 || !otherOverdue.isEmpty || combined else {
            return Message(templateStage: primary.stage, context: context)
        }
        let all = (items.map(\.installment) + otherOverdue).sorted { ($0.dueDate, $0.loanId, $0.number) < ($1.dueDate, $1.loanId, $1.number) }
        context.installments = all.map { line($0, on: day) }
        context.totals = CurrencyAmount.totals(all.map(\.amount))
        context.dueDate = CalendarDate(iso: all[0].dueDate)
        context.loanId = loans(all)
        let overdue = all.filter { $0.daysFromDue(on: day) > 0 }.count
        context.overdueInstallments = overdue > 0 ? overdue : nil
        return Message(templateStage: TemplateStage.combined.rawValue, context: context)
    }

    /// One installment at `stage`: `dias` is what the stage says (D-2 is two days before,
    /// WEEKLY_3 twenty-one days after); D0 has none.
    public static func single(client: ClientInfo, installment: InstallmentFacts, stage: String) -> TemplateContext {
        let offset = StagePlan.offset(of: stage) ?? 0
        return TemplateContext(
            name: client.name, amountMinor: installment.amountMinor, currency: installment.currency,
            dueDate: CalendarDate(iso: installment.dueDate), days: offset == 0 ? nil : abs(offset),
            week: stage.hasPrefix(StagePlan.weeklyPrefix) ? offset / 7 : nil, installmentNumber: installment.number,
            loanId: installment.loanId, advisorName: client.advisor, paymentLink: client.paymentLink)
    }

    /// A reactivation summary of `installments` on `day`: the oldest due date, the loans, each
    /// installment listed; REACTIVATE_OVERDUE adds the total per currency and how many,
    /// REACTIVATE_PENDING names the oldest installment and its amount (`{{cuota}}`, `{{monto}}`).
    public static func summary(client: ClientInfo, stage: String, installments: [InstallmentFacts], day: LocalDay) -> TemplateContext {
        let sorted = installments.sorted { ($0.dueDate, $0.loanId, $0.number) < ($1.dueDate, $1.loanId, $1.number) }
        var context = TemplateContext(name: client.name, advisorName: client.advisor, paymentLink: client.paymentLink)
        guard let oldest = sorted.first else { return context }
        context.amountMinor = oldest.amountMinor
        context.currency = oldest.currency
        context.dueDate = CalendarDate(iso: oldest.dueDate)
        context.loanId = loans(sorted)
        context.installments = sorted.map { line($0, on: day) }
        if stage == StagePlan.reactivateOverdue {
            // What is owed, per currency; REACTIVATE_PENDING's `monto` is its next installment.
            context.totals = CurrencyAmount.totals(sorted.map(\.amount))
            context.overdueInstallments = sorted.count
            let days = oldest.daysFromDue(on: day)
            context.days = days >= 1 ? days : nil
        } else {
            context.installmentNumber = oldest.number
        }
        return context
    }

    static func line(_ installment: InstallmentFacts, on day: LocalDay) -> InstallmentLine {
        let due = CalendarDate(iso: installment.dueDate) ?? CalendarDate(year: 1970, month: 1, day: 1)!
        return InstallmentLine(number: installment.number, loanId: installment.loanId, amount: installment.amount,
                               dueDate: due, daysFromDue: installment.daysFromDue(on: day))
    }

    /// "P-1" or "P-1, P-2": the distinct loans, in order.
    static func loans(_ installments: [InstallmentFacts]) -> String {
        var seen: [String] = []
        for loan in installments.map(\.loanId) where !seen.contains(loan) { seen.append(loan) }
        return seen.joined(separator: ", ")
    }
}
