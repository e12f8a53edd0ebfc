/// The moment in a loan's reminder schedule a template is written for.
///
/// Raw values are the scheduler's stage names. The scheduler emits `WEEKLY_1`, `WEEKLY_2`, …;
/// all of them share the single `WEEKLY` template, with the week number as `{{semana}}`.
public enum TemplateStage: String, CaseIterable, Codable, Sendable {
    case dMinus15 = "D-15"
    case dMinus2 = "D-2"
    case dMinus1 = "D-1"
    case d0 = "D0"
    case dPlus1 = "D+1"
    case dPlus3 = "D+3"
    case weekly = "WEEKLY"
    /// Weekly summary for a client whose next installment is pending (not yet overdue).
    case reactivatePending = "REACTIVATE_PENDING"
    /// Weekly summary for a client with overdue installments: total owed, oldest due date.
    case reactivateOverdue = "REACTIVATE_OVERDUE"
    /// One message for several installments reminded the same day (or a reminder while other
    /// installments are overdue): the scheduler uses it instead of the stage's own template.
    case combined = "VARIAS_CUOTAS"
    /// A test message sent from the admin screen to check a channel works.
    case test = "TEST"

    /// Short Spanish explanation, shown in the editor and in validation errors.
    public var spanishDescription: String {
        switch self {
        case .dMinus15: "15 días antes del vencimiento"
        case .dMinus2: "2 días antes del vencimiento"
        case .dMinus1: "1 día antes del vencimiento"
        case .d0: "día del vencimiento"
        case .dPlus1: "1 día después del vencimiento"
        case .dPlus3: "3 días después del vencimiento"
        case .weekly: "recordatorio semanal de cuota vencida"
        case .reactivatePending: "resumen semanal con cuota pendiente"
        case .reactivateOverdue: "resumen semanal con cuotas vencidas"
        case .combined: "varias cuotas en un solo mensaje"
        case .test: "mensaje de prueba"
        }
    }

    /// Maps a scheduler stage name to its template stage: `D-2` → (`.dMinus2`, nil),
    /// `WEEKLY_3` → (`.weekly`, 3). Returns nil for unknown names, for a bare `WEEKLY`
    /// (the scheduler always says which week) and for week numbers below 1.
    public static func resolve(schedulerStage name: String) -> (stage: TemplateStage, week: Int?)? {
        let prefix = "WEEKLY_"
        if name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let week = Int(digits), week >= 1 else {
                return nil
            }
            return (.weekly, week)
        }
        guard let stage = TemplateStage(rawValue: name), stage != .weekly else { return nil }
        return (stage, nil)
    }
}
