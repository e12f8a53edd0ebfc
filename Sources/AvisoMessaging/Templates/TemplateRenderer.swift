import Foundation
import Mustache

/// A template filled in for one client.
public struct RenderedMessage: Codable, Sendable, Equatable {
    /// The message as sent: SMS body, or WhatsApp free text.
    public var text: String
    /// Formatted values the message used, by variable name (for logs and previews).
    public var variables: [String: String]
    /// WhatsApp only: values for the Meta template's `{{1}}`, `{{2}}`, … in `parameters` order.
    public var whatsappParameters: [String]?
    public var sms: SMSInfo

    public init(text: String, variables: [String: String], whatsappParameters: [String]?, sms: SMSInfo) {
        self.text = text
        self.variables = variables
        self.whatsappParameters = whatsappParameters
        self.sms = sms
    }
}

/// Checks templates when they are saved and fills them in when a message is due.
///
/// swift-mustache keeps its parsed tokens internal, so the variables are found by our own
/// tag scanner (`TemplateScanner`); swift-mustache then parses again as a backstop and renders.
public enum TemplateRenderer {
    /// Refuses a template that could not render for its stage: see `TemplateError`.
    public static func validate(_ template: MessageTemplate) throws(TemplateError) {
        _ = try check(template)
    }

    /// Fills `template` with `context`. Every variable the output would print (and every
    /// WhatsApp parameter) needs a value; a section `{{#x}}…{{/x}}` on a missing `x` simply vanishes.
    public static func render(_ template: MessageTemplate, context: TemplateContext) throws(TemplateError) -> RenderedMessage {
        let (body, nodes) = try check(template)

        var used: [String: String] = [:]
        var looked: [TemplateVariable: String?] = [:]
        var missing: [String] = []
        func value(_ variable: TemplateVariable) throws(TemplateError) -> String? {
            if let cached = looked[variable] { return cached }
            let formatted = try context.formattedValue(of: variable)
            looked[variable] = formatted
            if let formatted { used[variable.rawValue] = formatted }
            return formatted
        }
        func require(_ variable: TemplateVariable) throws(TemplateError) -> String {
            if let formatted = try value(variable) { return formatted }
            if !missing.contains(variable.rawValue) { missing.append(variable.rawValue) }
            return ""
        }
        // Walk only the branches that will render, so a section on a missing value is fine.
        func walk(_ nodes: [TemplateScanner.Node]) throws(TemplateError) {
            for node in nodes {
                switch node {
                case .text: break
                case .variable(let variable): _ = try require(variable)
                case .section(let variable, let inverted, let children):
                    if (try value(variable) != nil) != inverted { try walk(children) }
                }
            }
        }
        try walk(nodes)
        var parameters: [String]?
        if let reference = template.whatsapp {
            var values: [String] = []
            for name in reference.parameters {
                // validate() guarantees every parameter names an offered variable.
                values.append(try require(TemplateVariable(rawValue: name)!))
            }
            parameters = values
        }
        guard missing.isEmpty else { throw .missingValues(names: missing, stage: template.stage) }

        // The pragma turns off HTML escaping (`&` must stay `&` in an SMS); the newline
        // after it keeps a standalone tag on the body's first line standalone.
        let mustache: MustacheTemplate
        do {
            mustache = try MustacheTemplate(string: "{{%CONTENT_TYPE:TEXT}}\n" + body)
        } catch {
            throw .syntax(line: 1, column: 1, detail: "la plantilla no se pudo interpretar")
        }
        let output = mustache.render(used)
        var text = normalizedNewlines(output.precomposedStringWithCanonicalMapping)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // After filling in, so the values are folded too; the preview and the send both render here.
        if template.channel == .sms, context.transliteratesSMS { text = GSM7Transliteration.apply(text) }
        guard !text.isEmpty else { throw .emptyBody }
        return RenderedMessage(text: text, variables: used, whatsappParameters: parameters, sms: SMSEncoding.info(for: text))
    }

    /// Returns the normalised body and its tag tree.
    static func check(_ template: MessageTemplate) throws(TemplateError) -> (String, [TemplateScanner.Node]) {
        let body = normalizedNewlines(template.body)
        let nodes = try TemplateScanner.parse(body, stage: template.stage)
        guard nodes.contains(where: \.isVisibleAtTopLevel) else { throw .emptyBody }
        do {
            _ = try MustacheTemplate(string: body)
        } catch let error as MustacheTemplate.ParserError {
            throw .syntax(line: error.context.lineNumber, column: error.context.columnNumber,
                          detail: "la plantilla no se pudo interpretar")
        } catch {
            throw .syntax(line: 1, column: 1, detail: "la plantilla no se pudo interpretar")
        }
        try checkWhatsApp(template, nodes: nodes)
        return (body, nodes)
    }

    private static func checkWhatsApp(_ template: MessageTemplate, nodes: [TemplateScanner.Node]) throws(TemplateError) {
        switch (template.channel, template.whatsapp) {
        case (.sms, nil): return
        case (.sms, .some): throw .whatsappReferenceNotAllowed
        case (.whatsapp, nil): throw .whatsappReferenceMissing
        case (.whatsapp, .some(let reference)):
            guard reference.name.range(of: "^[a-z0-9_]{1,512}$", options: .regularExpression) != nil else {
                throw .invalidWhatsAppReference(detail: "el nombre «\(reference.name)» solo puede llevar minúsculas, números y _.")
            }
            guard reference.language.range(of: "^[a-z]{2,3}(_[A-Z]{2})?$", options: .regularExpression) != nil else {
                throw .invalidWhatsAppReference(detail: "el idioma «\(reference.language)» no es un código de Meta como es o es_MX.")
            }
            let inBody = Set(nodes.flatMap(\.variables))
            for name in reference.parameters {
                guard let variable = TemplateVariable(rawValue: name), variable.stages.contains(template.stage) else {
                    throw .invalidWhatsAppParameter(name: name, stage: template.stage)
                }
                // The parameters fill the approved copy of this same text, so each must appear in it.
                guard inBody.contains(variable) else {
                    throw .invalidWhatsAppReference(detail: "el parámetro {{\(name)}} no aparece en el texto del mensaje.")
                }
            }
        }
    }

    /// CRLF and lone CR become LF, so a template pasted from Windows renders the same.
    static func normalizedNewlines(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n", afterCR {
                afterCR = false
                continue
            }
            afterCR = scalar == "\r"
            out.append(afterCR ? "\n" : scalar)
        }
        return String(out)
    }
}
