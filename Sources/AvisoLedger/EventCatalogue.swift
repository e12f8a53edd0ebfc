import Foundation

/// Every event Aviso records. Readers switch over this; an event type written by a newer
/// Aviso decodes as `.unknown` so an older reader skips it instead of crashing.
public enum LedgerEvent: Sendable, Equatable {
    case stageDue(StageDue)
    case messageRendered(MessageRendered)
    case messageSent(MessageSent)
    case sendFailed(SendFailed)
    case deliveryStatusReceived(DeliveryStatusReceived)
    case ignoredInvalidPhone(IgnoredInvalidPhone)
    case messageSkipped(MessageSkipped)
    case templateChanged(TemplateChanged)
    case credentialChanged(CredentialChanged)
    case settingsChanged(SettingsChanged)
    case userCreated(UserCreated)
    case clientUpserted(ClientUpserted)
    case installmentUpserted(InstallmentUpserted)
    case installmentPaid(InstallmentPaid)
    case optedOut(OptedOut)
    case messageScheduled(MessageScheduled)
    case messageDeferred(MessageDeferred)
    case scheduledMessageCancelled(ScheduledMessageCancelled)
    case sendOutcomeUnknown(SendOutcomeUnknown)
    case inboundMessageReceived(InboundMessageReceived)
    case whatsappTemplateSynced(WhatsAppTemplateSynced)
    case whatsappAccountHealthChanged(WhatsAppAccountHealthChanged)
    case userStatusChanged(UserStatusChanged)
    case clientPauseChanged(ClientPauseChanged)
    case unmaskedLogExported(UnmaskedLogExported)
    case sessionStarted(SessionStarted)
    case sessionEnded(SessionEnded)
    case loginFailed(LoginFailed)
    case unknown(type: String, version: Int)

    /// The typed payload, nil for `.unknown`.
    public var payload: (any EventPayload)? {
        switch self {
        case let .stageDue(p): p
        case let .messageRendered(p): p
        case let .messageSent(p): p
        case let .sendFailed(p): p
        case let .deliveryStatusReceived(p): p
        case let .ignoredInvalidPhone(p): p
        case let .messageSkipped(p): p
        case let .templateChanged(p): p
        case let .credentialChanged(p): p
        case let .settingsChanged(p): p
        case let .userCreated(p): p
        case let .clientUpserted(p): p
        case let .installmentUpserted(p): p
        case let .installmentPaid(p): p
        case let .optedOut(p): p
        case let .messageScheduled(p): p
        case let .messageDeferred(p): p
        case let .scheduledMessageCancelled(p): p
        case let .sendOutcomeUnknown(p): p
        case let .inboundMessageReceived(p): p
        case let .whatsappTemplateSynced(p): p
        case let .whatsappAccountHealthChanged(p): p
        case let .userStatusChanged(p): p
        case let .clientPauseChanged(p): p
        case let .unmaskedLogExported(p): p
        case let .sessionStarted(p): p
        case let .sessionEnded(p): p
        case let .loginFailed(p): p
        case .unknown: nil
        }
    }

    public var typeName: String {
        if case let .unknown(type, _) = self { return type }
        return Swift.type(of: payload!).eventType
    }

    public var clientId: String? { payload?.clientId }
}

/// Names, versions, encoding and decoding (with upcasting) of the catalogue.
public enum EventCatalogue {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        // What `.iso8601` reads, but an unreadable instant names its field (Linux's decoder
        // leaves the coding path out): the fast strict parser first, Foundation's as before.
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? StrictInstant.parse(text) { return date }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "`\(text)` is not an ISO 8601 instant this Aviso can read"))
        }
        return d
    }()

    private typealias Decoder = @Sendable (Data) throws -> LedgerEvent

    private static func entry<P: EventPayload>(_ type: P.Type, _ wrap: @escaping @Sendable (P) -> LedgerEvent) -> (String, (Int, Decoder)) {
        (P.eventType, (P.schemaVersion, { data in wrap(try decoder.decode(P.self, from: data)) }))
    }

    /// A hot event: its plain form is read by hand, anything else by Foundation's decoder.
    private static func entry<P: FlatJSONCodable>(_ type: P.Type, _ wrap: @escaping @Sendable (P) -> LedgerEvent) -> (String, (Int, Decoder)) {
        (P.eventType, (P.schemaVersion, { data in wrap(try P.readFlat(data) ?? decoder.decode(P.self, from: data)) }))
    }

    private static let decoders: [String: (version: Int, decode: Decoder)] = Dictionary(uniqueKeysWithValues: [
        entry(StageDue.self, LedgerEvent.stageDue),
        entry(MessageRendered.self, LedgerEvent.messageRendered),
        entry(MessageSent.self, LedgerEvent.messageSent),
        entry(SendFailed.self, LedgerEvent.sendFailed),
        entry(DeliveryStatusReceived.self, LedgerEvent.deliveryStatusReceived),
        entry(IgnoredInvalidPhone.self, LedgerEvent.ignoredInvalidPhone),
        entry(MessageSkipped.self, LedgerEvent.messageSkipped),
        entry(TemplateChanged.self, LedgerEvent.templateChanged),
        entry(CredentialChanged.self, LedgerEvent.credentialChanged),
        entry(SettingsChanged.self, LedgerEvent.settingsChanged),
        entry(UserCreated.self, LedgerEvent.userCreated),
        entry(ClientUpserted.self, LedgerEvent.clientUpserted),
        entry(InstallmentUpserted.self, LedgerEvent.installmentUpserted),
        entry(InstallmentPaid.self, LedgerEvent.installmentPaid),
        entry(OptedOut.self, LedgerEvent.optedOut),
        entry(MessageScheduled.self, LedgerEvent.messageScheduled),
        entry(MessageDeferred.self, LedgerEvent.messageDeferred),
        entry(ScheduledMessageCancelled.self, LedgerEvent.scheduledMessageCancelled),
        entry(SendOutcomeUnknown.self, LedgerEvent.sendOutcomeUnknown),
        entry(InboundMessageReceived.self, LedgerEvent.inboundMessageReceived),
        entry(WhatsAppTemplateSynced.self, LedgerEvent.whatsappTemplateSynced),
        entry(WhatsAppAccountHealthChanged.self, LedgerEvent.whatsappAccountHealthChanged),
        entry(UserStatusChanged.self, LedgerEvent.userStatusChanged),
        entry(ClientPauseChanged.self, LedgerEvent.clientPauseChanged),
        entry(UnmaskedLogExported.self, LedgerEvent.unmaskedLogExported),
        entry(SessionStarted.self, LedgerEvent.sessionStarted),
        entry(SessionEnded.self, LedgerEvent.sessionEnded),
        entry(LoginFailed.self, LedgerEvent.loginFailed),
    ])

    /// Upcasters turn an old version's JSON object into the next version's, one step at a
    /// time: `upcasters[type][v]` lifts version v to v + 1. The log itself is never rewritten.
    typealias Upcaster = @Sendable (inout [String: Any]) -> Void
    /// Empty while every event is at version 1.
    static let upcasters: [String: [Int: Upcaster]] = [:]

    public static var knownTypes: [String] { decoders.keys.sorted() }

    static func encode(_ event: LedgerEvent) throws -> (type: String, version: Int, payload: Data) {
        guard let payload = event.payload else {
            throw LedgerError.encoding(type: event.typeName, reason: "unknown events cannot be appended")
        }
        let type = Swift.type(of: payload)
        if let flat = payload as? any FlatJSONCodable, let data = flat.flatJSON() {
            return (type.eventType, type.schemaVersion, data)
        }
        do {
            return (type.eventType, type.schemaVersion, try encoder.encode(payload))
        } catch {
            throw LedgerError.encoding(type: type.eventType, reason: "\(error)")
        }
    }

    public static func decode(type: String, version: Int, payload: Data) throws -> LedgerEvent {
        guard let known = decoders[type] else { return .unknown(type: type, version: version) }
        if version == known.version { return try known.decode(payload) }
        // A newer version than this build knows: skip it like an unknown type.
        guard version < known.version else { return .unknown(type: type, version: version) }
        return try known.decode(upcast(type: type, from: version, to: known.version, payload: payload))
    }

    static func upcast(type: String, from: Int, to: Int, payload: Data,
                       using table: [String: [Int: Upcaster]] = upcasters) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: payload) as? [String: Any] else {
            throw LedgerError.encoding(type: type, reason: "payload of version \(from) is not a JSON object")
        }
        for v in from..<to {
            guard let step = table[type]?[v] else {
                throw LedgerError.encoding(type: type, reason: "no upcaster from version \(v) to \(v + 1)")
            }
            step(&object)
        }
        return try JSONSerialization.data(withJSONObject: object)
    }
}
