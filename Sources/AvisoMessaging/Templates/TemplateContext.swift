import Foundation

/// The values available to fill a template. Anything nil is "not known" and may only be
/// used inside a `{{#variable}}…{{/variable}}` section.
public struct TemplateContext: Sendable, Equatable {
    public var name: String?
    /// Amount in minor units (centavos for GTQ). Must not be negative.
    public var amountMinor: Int64?
    /// ISO 4217 code for `amountMinor`.
    public var currency: String
    public var dueDate: CalendarDate?
    /// Days until the due date (before it) or days overdue (after it); at least 1.
    public var days: Int?
    /// WEEKLY_n's n; at least 1.
    public var week: Int?
    public var installmentNumber: Int?
    /// REACTIVATE_OVERDUE: how many installments are overdue.
    public var overdueInstallments: Int?
    public var loanId: String?
    public var advisorName: String?
    public var paymentLink: String?
    /// When set, `monto` is these amounts, one per currency ("Q1,250.00 y US$100.00"):
    /// amounts in different currencies are listed, never added.
    public var totals: [CurrencyAmount]?
    /// The installments a message covers (`{{cuotas}}`), oldest due date first.
    public var installments: [InstallmentLine]?
    /// The `smsTransliteration` setting: an SMS is folded to GSM-7 after it is filled in, so
    /// values such as "sábado" don't make it a UCS-2 message. On unless the settings say off.
    public var transliteratesSMS: Bool = true

    public init(
        name: String? = nil,
        amountMinor: Int64? = nil,
        currency: String = "GTQ",
        dueDate: CalendarDate? = nil,
        days: Int? = nil,
        week: Int? = nil,
        installmentNumber: Int? = nil,
        overdueInstallments: Int? = nil,
        loanId: String? = nil,
        advisorName: String? = nil,
        paymentLink: String? = nil,
        totals: [CurrencyAmount]? = nil,
        installments: [InstallmentLine]? = nil
    ) {
        self.totals = totals
        self.installments = installments
        self.name = name
        self.amountMinor = amountMinor
        self.currency = currency
        self.dueDate = dueDate
        self.days = days
        self.week = week
        self.installmentNumber = installmentNumber
        self.overdueInstallments = overdueInstallments
        self.loanId = loanId
        self.advisorName = advisorName
        self.paymentLink = paymentLink
    }

    /// The formatted value of `variable`, or nil when unknown. Blank text counts as unknown,
    /// so an empty payment link hides its section instead of printing nothing.
    func formattedValue(of variable: TemplateVariable) throws(TemplateError) -> String? {
        switch variable {
        case .nombre: return Self.text(name)
        case .prestamo: return Self.text(loanId)
        case .asesor: return Self.text(advisorName)
        case .linkPago: return Self.text(paymentLink)
        case .dias: return try Self.count(days, variable)
        case .semana: return try Self.count(week, variable)
        case .cuota: return try Self.count(installmentNumber, variable)
        case .cuotasVencidas: return try Self.count(overdueInstallments, variable)
        case .fechaVencimiento: return dueDate.map(SpanishFormatting.longDate)
        case .cuotas:
            guard let installments, !installments.isEmpty else { return nil }
            return try installments.map { line throws(TemplateError) in try line.formatted() }.joined(separator: "; ")
        case .monto:
            if let totals, !totals.isEmpty {
                return try totals.map { amount throws(TemplateError) in try Self.money(amount.minorUnits, amount.currency) }
                    .joined(separator: " y ")
            }
            guard let amountMinor else { return nil }
            do {
                return try SpanishFormatting.money(minorUnits: amountMinor, currency: currency)
            } catch {
                throw .invalidValue(variable: variable.rawValue, reason: error.description)
            }
        }
    }

    static func money(_ minorUnits: Int64, _ currency: String) throws(TemplateError) -> String {
        do {
            return try SpanishFormatting.money(minorUnits: minorUnits, currency: currency)
        } catch {
            throw .invalidValue(variable: TemplateVariable.monto.rawValue, reason: error.description)
        }
    }

    private static func text(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    private static func count(_ value: Int?, _ variable: TemplateVariable) throws(TemplateError) -> String? {
        guard let value else { return nil }
        guard value >= 1 else { throw .invalidValue(variable: variable.rawValue, reason: "debe ser un número entero mayor que cero, no \(value)") }
        return String(value)
    }
}

/// An amount in one currency, in minor units.
public struct CurrencyAmount: Sendable, Equatable {
    public var currency: String
    public var minorUnits: Int64

    public init(currency: String, minorUnits: Int64) {
        self.currency = currency
        self.minorUnits = minorUnits
    }

    /// Sums per currency, in the order each currency first appears.
    public static func totals(_ amounts: [CurrencyAmount]) -> [CurrencyAmount] {
        var out: [CurrencyAmount] = []
        for amount in amounts {
            if let i = out.firstIndex(where: { $0.currency == amount.currency }) {
                out[i].minorUnits += amount.minorUnits
            } else {
                out.append(amount)
            }
        }
        return out
    }
}

/// One installment as `{{cuotas}}` lists it: "cuota 3 (P-1) de Q500.00, vence mañana".
/// The words are GSM-7 (no accents), so a list costs no more in an SMS than its length.
public struct InstallmentLine: Sendable, Equatable {
    public var number: Int
    public var loanId: String
    public var amount: CurrencyAmount
    public var dueDate: CalendarDate
    /// Days from the due date to the message's day: negative before it, positive overdue.
    public var daysFromDue: Int

    public init(number: Int, loanId: String, amount: CurrencyAmount, dueDate: CalendarDate, daysFromDue: Int) {
        self.number = number
        self.loanId = loanId
        self.amount = amount
        self.dueDate = dueDate
        self.daysFromDue = daysFromDue
    }

    func formatted() throws(TemplateError) -> String {
        let money = try TemplateContext.money(amount.minorUnits, amount.currency)
        let date = SpanishFormatting.dayAndMonth(dueDate)
        let when = switch daysFromDue {
        case ..<(-1): "vence el \(date)"
        case -1: "vence mañana"
        case 0: "vence hoy"
        case 1: "vencida desde ayer"
        default: "vencida desde el \(date)"
        }
        return "cuota \(number) (\(loanId)) de \(money), \(when)"
    }
}
