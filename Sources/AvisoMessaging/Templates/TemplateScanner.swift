import Foundation

/// Reads the mustache tags of a template body into a small tree, checking each variable
/// against the catalogue and the stage. Only `{{x}}`, `{{{x}}}`, `{{& x}}`, sections
/// `{{#x}}`/`{{^x}}` … `{{/x}}` and comments `{{! … }}` are allowed.
enum TemplateScanner {
    indirect enum Node: Equatable {
        case text(String)
        case variable(TemplateVariable)
        case section(TemplateVariable, inverted: Bool, children: [Node])

        /// Every variable in this node, sections' own names included.
        var variables: [TemplateVariable] {
            switch self {
            case .text: []
            case .variable(let variable): [variable]
            case .section(let variable, _, let children): [variable] + children.flatMap(\.variables)
            }
        }

        /// Whether this top-level node always prints something (so the message is never empty).
        var isVisibleAtTopLevel: Bool {
            switch self {
            case .text(let text): !text.allSatisfy(\.isWhitespace)
            case .variable: true
            case .section: false
            }
        }
    }

    private struct OpenSection {
        let variable: TemplateVariable
        let inverted: Bool
        let start: Int
        var children: [Node] = []
    }

    static func parse(_ body: String, stage: TemplateStage) throws(TemplateError) -> [Node] {
        let s = Array(body.unicodeScalars)
        var top: [Node] = []
        var open: [OpenSection] = []
        func append(_ node: Node) {
            if open.isEmpty { top.append(node) } else { open[open.count - 1].children.append(node) }
        }
        func position(_ index: Int) -> (line: Int, column: Int) {
            var line = 1, column = 1
            for scalar in s[..<index] {
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            return (line, column)
        }
        func syntax(_ index: Int, _ detail: String) -> TemplateError {
            let (line, column) = position(index)
            return .syntax(line: line, column: column, detail: detail)
        }
        func find(_ needle: String, from start: Int) -> Int? {
            let n = Array(needle.unicodeScalars)
            guard s.count >= n.count, start <= s.count - n.count else { return nil }
            return (start...(s.count - n.count)).first { at in n.indices.allSatisfy { s[at + $0] == n[$0] } }
        }
        func lookUp(_ raw: some StringProtocol, at index: Int) throws(TemplateError) -> TemplateVariable {
            let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw syntax(index, "etiqueta sin nombre de variable.") }
            guard let variable = TemplateVariable(rawValue: name) else { throw .unknownVariable(name: name, stage: stage) }
            guard variable.stages.contains(stage) else { throw .variableNotOffered(name: name, stage: stage) }
            return variable
        }

        var index = 0
        while let tagStart = find("{{", from: index) {
            if tagStart > index { append(.text(String(String.UnicodeScalarView(s[index..<tagStart])))) }
            let triple = tagStart + 2 < s.count && s[tagStart + 2] == "{"
            let closer = triple ? "}}}" : "}}"
            let contentStart = tagStart + (triple ? 3 : 2)
            guard let tagEnd = find(closer, from: contentStart) else {
                throw syntax(tagStart, "la etiqueta que empieza aquí no se cierra con \(closer).")
            }
            let content = String(String.UnicodeScalarView(s[contentStart..<tagEnd]))
            let tag = String(String.UnicodeScalarView(s[tagStart..<(tagEnd + closer.unicodeScalars.count)]))
            index = tagEnd + closer.unicodeScalars.count
            if triple {
                append(.variable(try lookUp(content, at: tagStart)))
                continue
            }
            switch content.first {
            case "!":
                continue
            case "#", "^":
                open.append(OpenSection(variable: try lookUp(content.dropFirst(), at: tagStart),
                                        inverted: content.first == "^", start: tagStart))
            case "/":
                let name = content.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
                guard let section = open.popLast() else {
                    throw syntax(tagStart, "\(tag) cierra una sección que no fue abierta.")
                }
                guard name == section.variable.rawValue else {
                    throw syntax(tagStart, "\(tag) no cierra la sección abierta {{\(section.inverted ? "^" : "#")\(section.variable.rawValue)}}.")
                }
                append(.section(section.variable, inverted: section.inverted, children: section.children))
            case "&":
                append(.variable(try lookUp(content.dropFirst(), at: tagStart)))
            case ">", "<", "$", "=", "%":
                throw .unsupportedTag(tag: tag)
            default:
                append(.variable(try lookUp(content, at: tagStart)))
            }
        }
        if index < s.count { append(.text(String(String.UnicodeScalarView(s[index...])))) }
        if let section = open.last {
            let name = section.variable.rawValue
            throw syntax(section.start, "la sección {{\(section.inverted ? "^" : "#")\(name)}} no se cierra: falta {{/\(name)}}.")
        }
        return top
    }
}
