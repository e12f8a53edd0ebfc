/// The variables a template may use, written `{{nombre}}` etc. in the template body.
///
/// Which stages offer which variable (see `stages`):
/// - every reminder stage (D-15 … REACTIVATE_*): nombre, monto, fecha_vencimiento, prestamo, asesor, link_pago
/// - cuota: every stage about one installment (D-15 … WEEKLY, REACTIVATE_PENDING), not REACTIVATE_OVERDUE
/// - dias: D-15, D-2, D-1 (days left), D+1, D+3, WEEKLY, REACTIVATE_OVERDUE (days overdue);
///   not D0 (it would be 0) nor REACTIVATE_PENDING (may be 0)
/// - semana: WEEKLY only
/// - cuotas_vencidas: REACTIVATE_OVERDUE only (there `monto` is the total owed and
///   `fecha_vencimiento` the oldest unpaid due date)
/// - cuotas: the installments one message covers, as one line of text (VARIAS_CUOTAS and the
///   reactivation summaries); cuotas_vencidas also in VARIAS_CUOTAS, nil when none is overdue
/// - VARIAS_CUOTAS: `monto` is the total per currency, `fecha_vencimiento` the earliest due date
/// - TEST: nombre only
public enum TemplateVariable: String, CaseIterable, Codable, Sendable {
    case nombre
    case monto
    case fechaVencimiento = "fecha_vencimiento"
    case dias
    case semana
    case cuota
    case cuotasVencidas = "cuotas_vencidas"
    case cuotas
    case prestamo
    case asesor
    case linkPago = "link_pago"

    /// How the variable is written in a template.
    public var tag: String { "{{\(rawValue)}}" }

    /// One-line Spanish explanation for the template editor.
    public var explanation: String {
        switch self {
        case .nombre: "Nombre del cliente."
        case .monto: "Monto a pagar, con moneda (p. ej. Q1,250.00); en resumen de vencidas, el total adeudado."
        case .fechaVencimiento: "Fecha de vencimiento (p. ej. lunes 5 de enero de 2026); en resumen de vencidas, la más antigua."
        case .dias: "Días que faltan para el vencimiento o días de atraso, según la etapa."
        case .semana: "Número de semana del recordatorio semanal (1, 2, 3…)."
        case .cuota: "Número de la cuota."
        case .cuotasVencidas: "Cantidad de cuotas vencidas sin pagar."
        case .cuotas: "Lista de las cuotas del mensaje: número, préstamo, monto y cuándo vence o cuántos días lleva vencida."
        case .prestamo: "Número o código del préstamo."
        case .asesor: "Nombre del asesor del cliente."
        case .linkPago: "Enlace de pago en línea; puede faltar: úselo dentro de {{#link_pago}}…{{/link_pago}}."
        }
    }

    /// The stages in which this variable can be used.
    public var stages: Set<TemplateStage> {
        let reminders: Set<TemplateStage> = [
            .dMinus15, .dMinus2, .dMinus1, .d0, .dPlus1, .dPlus3, .weekly, .reactivatePending, .reactivateOverdue, .combined,
        ]
        switch self {
        case .nombre: return reminders.union([.test])
        case .monto, .fechaVencimiento, .prestamo, .asesor, .linkPago: return reminders
        case .cuota: return reminders.subtracting([.reactivateOverdue, .combined])
        case .dias: return [.dMinus15, .dMinus2, .dMinus1, .dPlus1, .dPlus3, .weekly, .reactivateOverdue]
        case .semana: return [.weekly]
        case .cuotasVencidas: return [.reactivateOverdue, .combined]
        case .cuotas: return [.combined, .reactivateOverdue, .reactivatePending]
        }
    }

    /// Variables offered in `stage`, in catalogue order.
    public static func offered(in stage: TemplateStage) -> [TemplateVariable] {
        allCases.filter { $0.stages.contains(stage) }
    }
}
