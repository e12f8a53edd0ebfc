import AvisoLedger
import AvisoProjections
import Foundation

/// The Mensajería form: every field as text (so a refused value is shown back as typed),
/// checked into a `SettingsChanged` holding only what changed.
struct SettingsForm: Sendable {
    /// Form field names, also the ids the page and tests use.
    enum Field: String, CaseIterable, Sendable {
        case timeZone = "zona_horaria"
        case quietStart = "silencio_inicio"
        case quietEnd = "silencio_fin"
        case dailyCap = "limite_diario"
        case weeklyMaximum = "maximo_semanal"
        case runTime = "hora_envio"
        case reactivateTime = "hora_reactivacion"
        case pendingDays = "reactivacion_dias_antes"
        case intervalDays = "reactivacion_intervalo"
        case whatsappRate = "whatsapp_por_segundo"
        case smsSegmentPrice = "precio_segmento_sms"

        var label: String {
            switch self {
            case .timeZone: "Zona horaria"
            case .quietStart: "Silencio desde (HH:mm)"
            case .quietEnd: "Silencio hasta (HH:mm)"
            case .dailyCap: "Máximo de mensajes por cliente al día"
            case .weeklyMaximum: "Máximo de recordatorios semanales"
            case .runTime: "Hora de envío de recordatorios"
            case .reactivateTime: "Hora de envío de reactivación"
            case .pendingDays: "Reactivación: días en pendiente de confirmación"
            case .intervalDays: "Reactivación: días entre resúmenes"
            case .whatsappRate: "WhatsApp: mensajes por segundo"
            case .smsSegmentPrice: "SMS: precio por segmento (Q)"
            }
        }

        var hint: String? {
            switch self {
            case .timeZone: "Nombre IANA, p. ej. America/Guatemala."
            case .quietStart, .quietEnd: "Hora local de 00:00 a 23:59; puede cruzar la medianoche."
            case .dailyCap: "0 detiene los envíos programados."
            case .weeklyMaximum: "De 1 a 52 semanas."
            case .whatsappRate: "De 0,1 a 1000. Meta permite hasta 80 por segundo en la mayoría de cuentas."
            case .smsSegmentPrice: "De 0 a 10 quetzales, lo que cobra el operador por segmento; el panel estima el costo con él."
            default: nil
            }
        }

        var inputmode: String {
            switch self {
            case .timeZone: "text"
            case .quietStart, .quietEnd, .runTime, .reactivateTime: "numeric"
            case .whatsappRate, .smsSegmentPrice: "decimal"
            default: "numeric"
            }
        }
    }

    /// Stages the settings may enable, in the scheduler's order.
    static let knownStages = MessagingSettings.defaults.enabledStages

    var values: [Field: String]
    var stages: [String]
    /// The `smsTransliteration` setting; nil when the form did not carry the field at all.
    var smsGSM7: Bool?
    /// A hidden `0` always goes with the page's checkbox (`1` when ticked), so an unticked box
    /// is told apart from a post without the field, which changes nothing.
    static let smsGSM7Field = "sms_gsm7"

    init(_ s: MessagingSettings) {
        values = [
            .timeZone: s.timeZone, .quietStart: s.quietHoursStart, .quietEnd: s.quietHoursEnd,
            .dailyCap: String(s.dailyCap), .weeklyMaximum: String(s.weeklyMaximum), .runTime: s.runTime,
            .reactivateTime: s.reactivateTime, .pendingDays: String(s.reactivatePendingDays),
            .intervalDays: String(s.reactivateIntervalDays), .whatsappRate: Self.number(s.whatsappMessagesPerSecond),
            .smsSegmentPrice: s.smsSegmentPrice.map(Self.number) ?? "",
        ]
        stages = s.enabledStages
        smsGSM7 = s.transliteratesSMS
    }

    init(_ form: FormFields) {
        values = Dictionary(uniqueKeysWithValues: Field.allCases.map { ($0, form.text($0.rawValue)) })
        stages = form.all("etapas")
        let gsm7 = form.all(Self.smsGSM7Field)
        smsGSM7 = gsm7.isEmpty ? nil : gsm7.contains("1")
    }

    struct Invalid: Error, Sendable {
        var fields: [Field: String]
        var stages: String?
    }

    /// The change from `current` to this form, or every refused field with its Spanish message.
    func change(from current: MessagingSettings) throws(Invalid) -> SettingsChanged {
        var errors: [Field: String] = [:]
        func time(_ field: Field) -> String? {
            let v = values[field] ?? ""
            guard Self.isTime(v) else {
                errors[field] = "«\(v)» no es una hora válida: use HH:mm entre 00:00 y 23:59."
                return nil
            }
            return v
        }
        func integer(_ field: Field, _ range: ClosedRange<Int>, _ message: String) -> Int? {
            guard let n = Int(values[field] ?? ""), range.contains(n) else {
                errors[field] = message
                return nil
            }
            return n
        }
        let zone = values[.timeZone] ?? ""
        if TimeZone(identifier: zone) == nil || !TimeZone.knownTimeZoneIdentifiers.contains(zone) {
            errors[.timeZone] = "«\(zone)» no es una zona horaria conocida (p. ej. America/Guatemala)."
        }
        let quietStart = time(.quietStart), quietEnd = time(.quietEnd)
        let runTime = time(.runTime), reactivateTime = time(.reactivateTime)
        typealias Ranges = MessagingSettings.Ranges
        let cap = integer(.dailyCap, Ranges.dailyCap, "El límite diario debe ser un número entero de 0 a 1000.")
        let weekly = integer(.weeklyMaximum, Ranges.weeklyMaximum, "El máximo semanal debe ser un número entero de 1 a 52.")
        let pending = integer(.pendingDays, Ranges.reactivatePendingDays, "Escriba un número entero de días de 0 a 60.")
        let interval = integer(.intervalDays, Ranges.reactivateIntervalDays, "Escriba un número entero de días de 1 a 60.")
        let rate = Self.decimal(values[.whatsappRate] ?? "")
        if rate == nil || !Ranges.whatsappMessagesPerSecond.contains(rate!) {
            errors[.whatsappRate] = "La velocidad debe ser un número de 0,1 a 1000 mensajes por segundo."
        }
        // Empty leaves an unset price unset; once set, a price is changed, never removed.
        let priceText = values[.smsSegmentPrice] ?? ""
        let price = Self.decimal(priceText)
        if priceText.isEmpty ? current.smsSegmentPrice != nil : (price.map { !Ranges.smsSegmentPrice.contains($0) } ?? true) {
            errors[.smsSegmentPrice] = "El precio por segmento debe ser un número de 0 a 10 quetzales (p. ej. 0,35)."
        }
        var stagesError: String?
        if let unknown = stages.first(where: { !Self.knownStages.contains($0) }) {
            stagesError = "«\(unknown)» no es una etapa conocida."
        }
        guard errors.isEmpty, stagesError == nil else { throw Invalid(fields: errors, stages: stagesError) }

        let orderedStages = Self.knownStages.filter(stages.contains)
        var change = SettingsChanged()
        if zone != current.timeZone { change.timeZone = zone }
        if quietStart != current.quietHoursStart { change.quietHoursStart = quietStart }
        if quietEnd != current.quietHoursEnd { change.quietHoursEnd = quietEnd }
        if cap != current.dailyCap { change.dailyCap = cap }
        if orderedStages != current.enabledStages { change.enabledStages = orderedStages }
        if weekly != current.weeklyMaximum { change.weeklyMaximum = weekly }
        if runTime != current.runTime { change.runTime = runTime }
        if reactivateTime != current.reactivateTime { change.reactivateTime = reactivateTime }
        if pending != current.reactivatePendingDays { change.reactivatePendingDays = pending }
        if interval != current.reactivateIntervalDays { change.reactivateIntervalDays = interval }
        if rate != current.whatsappMessagesPerSecond { change.whatsappMessagesPerSecond = rate }
        if let smsGSM7, smsGSM7 != current.transliteratesSMS { change.smsTransliteration = smsGSM7 }
        if let price, price != current.smsSegmentPrice { change.smsSegmentPrice = price }
        return change
    }

    /// A plain decimal (`20`, `0.5`, `0,5`): digits with at most one separator, no sign,
    /// exponent, "nan" or "inf".
    static func decimal(_ text: String) -> Double? {
        let normalised = text.replacingOccurrences(of: ",", with: ".")
        guard (1...12).contains(normalised.utf8.count),
              normalised.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }),
              normalised.utf8.filter({ $0 == 46 }).count <= 1 else { return nil }
        return Double(normalised)
    }

    /// `HH:mm`, two digits each, 00:00–23:59.
    static func isTime(_ value: String) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return false }
        return (0...23).contains(h) && (0...59).contains(m)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

extension SettingsChanged {
    /// Whether any field is set (an empty change is not worth a ledger record).
    var isEmpty: Bool { self == SettingsChanged() }
}
