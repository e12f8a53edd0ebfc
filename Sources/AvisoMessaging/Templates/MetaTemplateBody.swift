import Foundation
import AvisoLedger

/// A Meta template body's `{{n}}` (or `{{name}}`) placeholders, and the body filled in with
/// the parameters Aviso sends, so the console can show what Meta will deliver.
public enum MetaTemplateBody {
    /// Distinct placeholders in order of first appearance: `Hola {{1}}, {{2}} {{1}}` → `["1", "2"]`.
    /// Meta counts one parameter per distinct placeholder.
    public static func placeholders(in body: String) -> [String] {
        var seen: [String] = []
        var rest = body[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !seen.contains(name) { seen.append(name) }
            rest = rest[close.upperBound...]
        }
        return seen
    }

    /// `body` with each placeholder replaced by the parameter in its position (positional
    /// `{{n}}` by number, named ones by order of first appearance); a placeholder without a
    /// parameter stays as written, so a missing value shows.
    public static func render(_ body: String, parameters: [String]) -> String {
        let names = placeholders(in: body)
        var out = body
        for (index, name) in names.enumerated() {
            let position = Int(name).map { $0 - 1 } ?? index
            guard parameters.indices.contains(position) else { continue }
            for pattern in ["{{\(name)}}", "{{ \(name) }}"] { out = out.replacingOccurrences(of: pattern, with: parameters[position]) }
        }
        return out
    }
}

/// What Meta's catalogue says about the template a WhatsApp message would use. Nil in a
/// `SendRequest` means "never synced": the send goes ahead as before.
public struct MetaTemplateState: Sendable, Equatable {
    /// Meta's status word (`APPROVED`…), or `MISSING` when the synced catalogue lacks it.
    public var status: String
    /// The approved body's placeholders, in order; nil when the body is unknown.
    public var placeholders: [String]?
    public var body: String?

    public init(status: String, placeholders: [String]?, body: String?) {
        self.status = status
        self.placeholders = placeholders
        self.body = body
    }

    public static let missing = "MISSING"

    /// Why Meta would refuse this template with `parameterCount` body parameters (in Spanish,
    /// naming Meta's error), or nil when it would take it.
    public func refusal(parameterCount: Int) -> (reason: SkipReason, detail: String)? {
        switch status {
        case "APPROVED":
            guard let placeholders, placeholders.count != parameterCount else { return nil }
            return (.templateMismatch, "la plantilla aprobada en Meta tiene \(placeholders.count) variables y Aviso enviaría \(parameterCount) (Meta respondería 132000)")
        case Self.missing:
            return (.templateNotApproved, "la plantilla no existe en Meta en este idioma (Meta respondería 132001)")
        case "PAUSED":
            return (.templateNotApproved, "Meta pausó la plantilla por baja calidad (Meta respondería 132015)")
        case "DISABLED":
            return (.templateNotApproved, "Meta deshabilitó la plantilla (Meta respondería 132016)")
        default:
            return (.templateNotApproved, "la plantilla está \(status) en Meta, no aprobada (Meta respondería 132001)")
        }
    }
}
