import Foundation

/// Why a template cannot be saved or rendered. `description` is a Spanish message fit to
/// show the person editing the template.
public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    case emptyBody
    /// Malformed mustache: unclosed tag or section, mismatched close… `detail` is Spanish.
    case syntax(line: Int, column: Int, detail: String)
    case unknownVariable(name: String, stage: TemplateStage)
    case variableNotOffered(name: String, stage: TemplateStage)
    /// Partials, inheritance, pragmas, delimiter changes: not for SMS/WhatsApp texts.
    case unsupportedTag(tag: String)
    case whatsappReferenceMissing
    case whatsappReferenceNotAllowed
    case invalidWhatsAppReference(detail: String)
    case invalidWhatsAppParameter(name: String, stage: TemplateStage)
    /// Render time: values the template needs but the context lacks.
    case missingValues(names: [String], stage: TemplateStage)
    /// Render time: a value that cannot be shown (negative amount, week 0…).
    case invalidValue(variable: String, reason: String)

    public var description: String {
        switch self {
        case .emptyBody:
            return "El mensaje está vacío."
        case .syntax(let line, let column, let detail):
            return "Error de formato en la línea \(line), columna \(column): \(detail)"
        case .unknownVariable(let name, let stage):
            return "La variable {{\(name)}} no existe. \(Self.available(stage))"
        case .variableNotOffered(let name, let stage):
            return "La variable {{\(name)}} no está disponible en la etapa \(stage.rawValue) (\(stage.spanishDescription)). \(Self.available(stage))"
        case .unsupportedTag(let tag):
            return "La etiqueta \(tag) no está permitida: use solo variables, secciones {{#variable}}…{{/variable}} o {{^variable}}…{{/variable}} y comentarios {{! … }}."
        case .whatsappReferenceMissing:
            return "Una plantilla de WhatsApp debe indicar la plantilla aprobada por Meta (nombre, idioma y parámetros)."
        case .whatsappReferenceNotAllowed:
            return "Una plantilla de SMS no lleva plantilla de WhatsApp."
        case .invalidWhatsAppReference(let detail):
            return "Plantilla de WhatsApp inválida: \(detail)"
        case .invalidWhatsAppParameter(let name, let stage):
            return "El parámetro de WhatsApp {{\(name)}} no es una variable disponible en la etapa \(stage.rawValue) (\(stage.spanishDescription)). \(Self.available(stage))"
        case .missingValues(let names, let stage):
            let list = names.map { "{{\($0)}}" }.joined(separator: ", ")
            return names.count == 1
                ? "Falta el valor de \(list) para el mensaje de la etapa \(stage.rawValue)."
                : "Faltan los valores de \(list) para el mensaje de la etapa \(stage.rawValue)."
        case .invalidValue(let variable, let reason):
            return "Valor inválido para {{\(variable)}}: \(reason)."
        }
    }

    public var errorDescription: String? { description }

    private static func available(_ stage: TemplateStage) -> String {
        "Variables disponibles: " + TemplateVariable.offered(in: stage).map(\.tag).joined(separator: ", ") + "."
    }
}
