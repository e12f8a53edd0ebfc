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
    ///
    /// This reads every record after `position`: the read models' `ledger_index` answers for
    /// the records before it, giving the message ids of the client (`knownMessageIds`) and the
    /// message keys of the provider id (`knownMessageKeys`) that it found there.
    public static func records(_ ledger: Ledger, matching filter: HistoryFilter, after position: UInt64 = 0,
                               knownMessageIds: Set<String> = [], knownMessageKeys: Set<String> = []) throws -> [LedgerRecord] {
        // Kept apart, so that --client with --message-id narrows to that message of that client.
        var keys = knownMessageKeys
        var clientMessageIds = knownMessageIds
        if filter.clientId != nil || filter.messageId != nil {
            try ledger.forEachRecord(after: position) { record in
                guard case let .messageSent(sent)? = try? record.decodeEvent() else { return }
                if let client = filter.clientId, sent.clientId == client { clientMessageIds.insert(sent.messageId) }
                if let id = filter.messageId, sent.messageId == id { keys.insert(sent.messageKey) }
            }
        }
        var out: [LedgerRecord] = []
        try ledger.forEachRecord(after: position) { record in
            if let since = filter.since, record.time < since { return }
            if let until = filter.until, record.time > until { return }
            // A record this build cannot decode is still shown: its raw fields place it.
            let links = MessageLinks.indexed(record, event: try? record.decodeEvent())
            if let client = filter.clientId {
                guard links.clientId == client || links.messageId.map(clientMessageIds.contains) == true else { return }
            }
            if let id = filter.messageId {
                guard links.messageId == id || links.messageKey.map(keys.contains) == true else { return }
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
public struct MessageLinks: Sendable, Equatable {
    public var messageKey: String?
    public var messageId: String?
    public var clientId: String?

    /// What `ledger_index` keeps of a record: its client, and every message key or provider id
    /// it carries (also of a record this build cannot decode, from its raw JSON).
    public static func indexed(_ record: LedgerRecord, event: LedgerEvent?) -> MessageLinks {
        guard let event else { return MessageLinks(rawPayload: record.payload) }
        var links = MessageLinks(event)
        links.clientId = event.clientId
        switch event {
        case let .messageScheduled(e): links.messageKey = e.messageKey
        case let .messageDeferred(e): links.messageKey = e.messageKey
        case let .scheduledMessageCancelled(e): links.messageKey = e.messageKey
        case let .sendOutcomeUnknown(e): links.messageKey = e.messageKey
        default: break
        }
        return links
    }

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
