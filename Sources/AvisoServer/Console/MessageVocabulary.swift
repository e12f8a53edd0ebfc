import AvisoLedger
import AvisoMessaging

/// Every word of the console that names a state, a stage or a reason, in Spanish: statuses,
/// stages, skip, ignore and cancel reasons, and the common provider error codes.
enum MessageVocabulary {
    static let statuses: [(value: String, label: String)] = [
        ("deferred", "En espera (horario de silencio)"), ("rendered", "Generado"), ("scheduled", "Programado"), ("accepted", "Aceptado"), ("queued", "En cola"),
        ("sending", "Enviando"), ("sent", "Enviado"), ("delivered", "Entregado"), ("read", "Leído"),
        ("failed", "Falló"), ("undelivered", "No entregado"), ("canceled", "Cancelado"), ("unknown", "Resultado desconocido"),
        ("skipped", "Omitido"), ("ignored_invalid_phone", "Ignorado: teléfono inválido"),
    ]

    static func status(_ value: String) -> String {
        statuses.first { $0.value == value }?.label ?? value
    }

    /// `ok` (reached the person), `malo` (failed), `neutro` (held back or waiting).
    static func statusClass(_ value: String) -> String {
        switch value {
        case "delivered", "read", "sent", "accepted", "queued", "sending": "ok"
        case "failed", "undelivered", "canceled", "ignored_invalid_phone": "malo"
        default: "neutro"
        }
    }

    static func skipReason(_ value: String) -> String {
        switch SkipReason(rawValue: value) {
        case .quietHours?: "Horario de silencio: no se envían mensajes a esta hora."
        case .dailyCap?: "Límite diario alcanzado para este cliente."
        case .duplicateStage?: "Esta etapa ya se envió a este cliente."
        case .within24h?: "Ya recibió un mensaje de esta etapa en las últimas 24 horas."
        case .optedOut?: "El cliente pidió no recibir mensajes (BAJA/STOP)."
        case .fixedLine?: "Teléfono fijo: no recibe SMS ni WhatsApp."
        case .noProvider?: "No hay proveedor configurado para el canal."
        case .channelStopped?: "El canal está detenido."
        case .renderError?: "La plantilla no se pudo completar con los datos del cliente."
        case .paid?: "La cuota ya estaba pagada."
        case .covered?: "Ya va incluida en otro mensaje que el cliente recibe hoy."
        case .templateNotApproved?: "La plantilla de WhatsApp no está aprobada en Meta (o no existe en ese idioma)."
        case .templateMismatch?: "La plantilla aprobada en Meta no tiene el mismo número de variables que envía Aviso."
        case .paused?: "Envíos a este cliente en pausa por un administrador."
        case nil: cancelReasons[value] ?? ignoreReason(value)
        }
    }

    /// Why a decided message was cancelled before it went out (`ScheduledMessageCancelled`),
    /// for the reasons that are not also skip reasons.
    static let cancelReasons: [String: String] = [
        "expired": "Venció su día sin enviarse: no se envía tarde.",
        "no_longer_due": "La cuota ya no está pendiente.",
    ]

    /// Why a number can't be messaged (`IgnoredInvalidPhone`): the phone parser's own Spanish
    /// message for a malformed number.
    static func ignoreReason(_ value: String) -> String {
        switch value {
        case "fixed_line": return "Teléfono fijo: no recibe SMS ni WhatsApp."
        case "not_mobile": return "El número no es de celular: no recibe SMS ni WhatsApp."
        case "unknown_client": return "El cliente ya no existe."
        default: return phoneErrors.first { $0.reason == value }?.message ?? value
        }
    }

    static let phoneErrors: [PhoneNumberError] = [
        .empty, .notANumber, .tooShort, .tooLong, .invalidLength, .unknownCountryCode, .invalidForRegion, .unknownDefaultRegion,
    ]

    /// A stage as a person says it: `D-2` → "2 días antes del vencimiento", `WEEKLY_3` →
    /// "Semana 3 de atraso". An unknown name is shown as is.
    static func stage(_ name: String) -> String {
        if name == TemplateStage.weekly.rawValue { return "Recordatorio semanal de cuota vencida" }
        guard let (stage, week) = TemplateStage.resolve(schedulerStage: name) else { return name }
        if let week { return "Semana \(week) de atraso" }
        let text = stage.spanishDescription
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// How a WhatsApp test went out, or nil for SMS.
    static func whatsappForm(_ form: WhatsAppForm?, template: String?) -> String? {
        switch form {
        case .template?: "Plantilla aprobada «\(template ?? "")»: la ventana de 24 horas está cerrada."
        case .freeText?: "Texto libre: la ventana de 24 horas está abierta."
        case nil: nil
        }
    }

    /// A one-line explanation of a provider error code, when it is a common one.
    static func providerError(_ code: String?) -> String? {
        guard let code, !code.isEmpty else { return nil }
        return common[code].map { "\(code): \($0)" } ?? "código \(code) del proveedor"
    }

    static let common: [String: String] = [
        // Twilio
        "21211": "el número de destino no es válido",
        "21408": "la cuenta de Twilio no tiene permiso para enviar a ese país",
        "21610": "el destinatario se dio de baja (respondió STOP)",
        "21614": "el número no es un celular: no puede recibir SMS",
        "30003": "teléfono apagado o fuera de cobertura",
        "30004": "el destinatario bloqueó los mensajes",
        "30005": "el número no existe o ya no está activo",
        "30006": "línea fija o número que no puede recibir SMS",
        "30007": "el operador filtró el mensaje como spam",
        "30008": "error desconocido del operador",
        "30034": "el número de envío no está registrado (A2P 10DLC)",
        // WhatsApp Cloud API
        "131026": "el número no tiene WhatsApp o no puede recibir el mensaje",
        "131047": "pasaron más de 24 horas desde la última respuesta: hay que usar una plantilla aprobada",
        "131048": "límite por spam: demasiados mensajes marcados por los usuarios",
        "131049": "Meta no lo entregó para cuidar la calidad del número",
        "131050": "el usuario dejó de recibir mensajes de marketing",
        "131056": "demasiados mensajes al mismo número en poco tiempo",
        "132000": "la cantidad de parámetros no coincide con la plantilla aprobada",
        "132001": "la plantilla no existe en ese idioma o no está aprobada",
        "132015": "Meta pausó la plantilla por baja calidad: se volverá a sincronizar el catálogo",
        "132016": "Meta deshabilitó la plantilla: hay que usar otra",
        "130429": "se superó el límite de velocidad de envío",
        "131000": "error desconocido de WhatsApp",
        "190": "el token de acceso de WhatsApp venció o no es válido",
        "368": "la cuenta está bloqueada temporalmente por políticas de Meta",
    ]

    static func channel(_ value: String?) -> String {
        switch value {
        case "whatsapp"?: "WhatsApp"
        case "sms"?: "SMS"
        default: "—"
        }
    }

    static func provider(_ value: String?) -> String {
        switch value {
        case "whatsapp"?: "WhatsApp Cloud API"
        case "twilio"?: "Twilio"
        case "dry-run"?: "simulación (dry-run)"
        case let other?: other
        case nil: "—"
        }
    }
}
