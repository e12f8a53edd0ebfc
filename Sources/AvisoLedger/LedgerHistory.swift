import Foundation

/// What auditors ask of the log: the events about a client or a message, in a time range.
public struct HistoryFilter: Sendable {
    public var clientId: String?
    public var messageId: String?
    public var since: Date?
    public var until: Date?

    public init(clientId: String? = nil, messageId: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.clientId = clientId
        self.messageId = messageId
        self.since = since
        self.until = until
    }
}

public enum LedgerHistory {
    /// Matching records, oldest first. A message's events are tied together by its
    /// `messageKey` and provider `messageId`, so `--client` also finds the status callbacks
    /// of that client's messages, and `--message-id` finds the render that preceded the send.
    public static func records(_ ledger: Ledger, matching filter: HistoryFilter) throws -> [LedgerRecord] {
        var keys = Set<String>()
        var messageIds = Set<String>()
        if filter.clientId != nil || filter.messageId != nil {
            try ledger.forEachRecord { record in
                guard case let .messageSent(sent)? = try? record.decodeEvent() else { return }
                if let client = filter.clientId, sent.clientId == client { messageIds.insert(sent.messageId) }
                if let id = filter.messageId, sent.messageId == id { keys.insert(sent.messageKey) }
            }
            if let id = filter.messageId { messageIds.insert(id) }
        }
        var out: [LedgerRecord] = []
        try ledger.forEachRecord { record in
            if let since = filter.since, record.time < since { return }
            if let until = filter.until, record.time > until { return }
            // A record this build cannot decode is still shown: its raw fields place it.
            let event = try? record.decodeEvent()
            let links = event.map { MessageLinks($0) } ?? MessageLinks(rawPayload: record.payload)
            let clientId = event.map { $0.clientId } ?? links.clientId
            if let client = filter.clientId {
                guard clientId == client || links.messageId.map(messageIds.contains) == true else { return }
            }
            if filter.messageId != nil {
                guard links.messageId.map(messageIds.contains) == true || links.messageKey.map(keys.contains) == true else { return }
            }
            out.append(record)
        }
        return out
    }

    /// A record as one JSON object: position, time, type, version, actor, payload.
    /// Password hashes are replaced: no view or export prints them.
    public static func json(_ record: LedgerRecord) -> [String: Any] {
        var payload = (try? JSONSerialization.jsonObject(with: record.payload)) as? [String: Any] ?? [:]
        for key in redactedFields where payload[key] != nil { payload[key] = "[redacted]" }
        return ["position": record.position, "time": Timestamps.utc(record.time), "type": record.type,
                "version": record.schemaVersion, "actor": record.actor, "payload": payload]
    }

    public static let redactedFields = ["passwordHash"]
}

/// The message identifiers an event carries, if any.
struct MessageLinks {
    var messageKey: String?
    var messageId: String?
    var clientId: String?

    /// The same links read from the JSON of a record that does not decode.
    init(rawPayload: Data) {
        let object = (try? JSONSerialization.jsonObject(with: rawPayload)) as? [String: Any]
        messageKey = object?["messageKey"] as? String
        messageId = object?["messageId"] as? String
        clientId = object?["clientId"] as? String
    }

    init(_ event: LedgerEvent) {
        switch event {
        case let .messageRendered(e): messageKey = e.messageKey
        case let .messageSent(e): messageKey = e.messageKey; messageId = e.messageId
        case let .sendFailed(e): messageKey = e.messageKey
        case let .deliveryStatusReceived(e): messageId = e.messageId
        default: break
        }
    }
}
