import Foundation

/// An event the ledger refused to append, naming the event type and the field at fault.
/// Nothing of the batch it came in was appended.
public struct InvalidEventError: Error, CustomStringConvertible, Sendable, Equatable {
    public let type: String
    /// The field's path in the payload (`providerTime`, `whatsappParameters[3]`), or `actor`/`payload`.
    public let field: String
    public let reason: String

    public var description: String {
        "refused \(type) event, nothing appended: `\(field)` \(reason)"
    }
}

/// The ledger never holds what its own code cannot read: every event is checked here before
/// it is appended (`EncodedEvent.init`, the only way to build one, for every caller).
///
/// Bounds (README, "The ledger"):
/// - instants between 1970-01-01T00:00:00Z and 2200-01-01T00:00:00Z (ISO 8601 with a
///   four-digit year, which the decoder reads back);
/// - numbers finite;
/// - a text field at most 32 KiB of UTF-8 (a WhatsApp text is at most 4,096 characters),
///   a list at most 1,000 items, the actor 1–256 bytes, the whole payload at most 1 MiB;
/// - and the encoded payload must decode again with this build's catalogue.
public enum EventValidation {
    public static let earliest = Date(timeIntervalSince1970: 0)
    public static let latest = Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01T00:00:00Z
    public static let maxStringBytes = 32 * 1024
    public static let maxListItems = 1_000
    public static let maxActorBytes = 256
    public static let maxPayloadBytes = 1 << 20

    /// Checks the typed payload's fields (before encoding, so a bad field is named).
    static func check(_ payload: any EventPayload, actor: String) throws(InvalidEventError) {
        let type = Swift.type(of: payload).eventType
        let actorBytes = actor.utf8.count
        guard actorBytes > 0, actorBytes <= maxActorBytes else {
            throw InvalidEventError(type: type, field: "actor", reason: "is \(actorBytes) bytes; it must be 1–\(maxActorBytes)")
        }
        if let listed = payload as? any HandCheckedFields {
            var bounds = BoundsVisitor(type: type)
            try listed.visitFields(&bounds)
        } else {
            try checkByReflection(payload, type: type)
        }
    }

    /// The general check: walks any event's fields with `Mirror`.
    static func checkByReflection(_ payload: any EventPayload, type: String) throws(InvalidEventError) {
        try checkFields(of: payload, path: "", type: type)
    }

    /// Applies the bounds to the fields a `HandCheckedFields` event lists.
    private struct BoundsVisitor: EventFieldVisitor {
        let type: String
        func text(_ value: String?, _ field: String) throws(InvalidEventError) {
            if let value { try checkText(value, path: field, type: type) }
        }
        func instant(_ value: Date?, _ field: String) throws(InvalidEventError) {
            if let value { try checkInstant(value, path: field, type: type) }
        }
        func plain(_ field: String) {}
    }

    private static func refusal(_ reason: String, path: String, type: String) -> InvalidEventError {
        InvalidEventError(type: type, field: path.isEmpty ? "payload" : path, reason: reason)
    }

    private static func checkInstant(_ date: Date, path: String, type: String) throws(InvalidEventError) {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, date >= earliest, date < latest else {
            throw refusal("is \(seconds) seconds from 1970; an instant must lie between 1970 and 2200", path: path, type: type)
        }
    }

    private static func checkText(_ text: String, path: String, type: String) throws(InvalidEventError) {
        let bytes = text.utf8.count
        guard bytes <= maxStringBytes else {
            throw refusal("is \(bytes) bytes of text; at most \(maxStringBytes)", path: path, type: type)
        }
    }

    /// Checks the encoded form: its size, and that this build's catalogue reads it back.
    static func checkEncoded(type: String, version: Int, payload: Data) throws(InvalidEventError) {
        guard payload.count <= maxPayloadBytes else {
            throw InvalidEventError(type: type, field: "payload", reason: "is \(payload.count) bytes; at most \(maxPayloadBytes)")
        }
        do {
            _ = try EventCatalogue.decode(type: type, version: version, payload: payload)
        } catch {
            throw InvalidEventError(type: type, field: codingPath(of: error) ?? "payload",
                                    reason: "would not decode again (\(explain(error)))")
        }
    }

    private static func checkFields(of value: Any, path: String, type: String) throws(InvalidEventError) {
        func refuse(_ reason: String) -> InvalidEventError { refusal(reason, path: path, type: type) }
        switch value {
        case let date as Date:
            try checkInstant(date, path: path, type: type)
        case let number as Double:
            guard number.isFinite else { throw refuse("is \(number); numbers must be finite") }
        case let number as Float:
            guard number.isFinite else { throw refuse("is \(number); numbers must be finite") }
        case let text as String:
            try checkText(text, path: path, type: type)
        case is Int, is Int64, is Int32, is UInt64, is Bool, is Data:
            return
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .collection || mirror.displayStyle == .set || mirror.displayStyle == .dictionary {
                guard mirror.children.count <= maxListItems else {
                    throw refuse("has \(mirror.children.count) items; at most \(maxListItems)")
                }
            }
            for (index, child) in mirror.children.enumerated() {
                let childPath: String
                switch mirror.displayStyle {
                case .optional: childPath = path
                case .collection, .set, .dictionary: childPath = "\(path)[\(index)]"
                default: childPath = child.label.map { path.isEmpty ? $0 : "\(path).\($0)" } ?? path
                }
                try checkFields(of: child.value, path: childPath, type: type)
            }
        }
    }

    /// A decoding failure in one line: the field, then what was wrong (no payload values).
    public static func explain(_ error: any Error) -> String {
        let detail: String
        switch error as? DecodingError {
        case let .dataCorrupted(context)?: detail = context.debugDescription
        case let .keyNotFound(key, _)?: detail = "required field `\(key.stringValue)` is missing"
        case let .typeMismatch(type, context)?: detail = "expected \(type): \(context.debugDescription)"
        case let .valueNotFound(type, context)?: detail = "expected \(type): \(context.debugDescription)"
        default: return "\(error)"
        }
        return codingPath(of: error).map { "`\($0)`: \(detail)" } ?? detail
    }

    /// The field a `DecodingError` is about, when it says.
    private static func codingPath(of error: any Error) -> String? {
        let path: [any CodingKey]
        switch error as? DecodingError {
        case let .dataCorrupted(context)?: path = context.codingPath
        case let .keyNotFound(key, context)?: path = context.codingPath + [key]
        case let .typeMismatch(_, context)?: path = context.codingPath
        case let .valueNotFound(_, context)?: path = context.codingPath
        default: return nil
        }
        return path.isEmpty ? nil : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
