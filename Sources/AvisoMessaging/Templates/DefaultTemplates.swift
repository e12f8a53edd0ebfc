import Foundation

public enum DefaultTemplatesError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(stage: TemplateStage, channel: Channel, TemplateError)
    case duplicate(stage: TemplateStage, channel: Channel)
    case missing([String])

    public var description: String {
        switch self {
        case .invalid(let stage, let channel, let error): "Plantilla \(stage.rawValue)/\(channel.rawValue) inválida: \(error)"
        case .duplicate(let stage, let channel): "La plantilla \(stage.rawValue)/\(channel.rawValue) aparece más de una vez."
        case .missing(let keys): "Faltan plantillas: \(keys.joined(separator: ", "))."
        }
    }
}

/// Loads the shipped defaults (`Fixtures/templates/defaults.json`, a JSON array of
/// `MessageTemplate`) and refuses the file unless every stage × channel is there exactly once
/// and every template passes `TemplateRenderer.validate`.
public enum DefaultTemplates {
    public static func load(from url: URL) throws -> [MessageTemplate] {
        try load(data: Data(contentsOf: url))
    }

    public static func load(data: Data) throws -> [MessageTemplate] {
        let templates = try JSONDecoder().decode([MessageTemplate].self, from: data)
        var seen: Set<String> = []
        for template in templates {
            let key = "\(template.stage.rawValue)/\(template.channel.rawValue)"
            guard seen.insert(key).inserted else {
                throw DefaultTemplatesError.duplicate(stage: template.stage, channel: template.channel)
            }
            do {
                try TemplateRenderer.validate(template)
            } catch {
                throw DefaultTemplatesError.invalid(stage: template.stage, channel: template.channel, error)
            }
        }
        let missing = TemplateStage.allCases.flatMap { stage in
            Channel.allCases.map { "\(stage.rawValue)/\($0.rawValue)" }
        }.filter { !seen.contains($0) }
        guard missing.isEmpty else { throw DefaultTemplatesError.missing(missing) }
        return templates
    }
}
