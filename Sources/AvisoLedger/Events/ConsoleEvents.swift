/// An admin paused sending to one client (or resumed it), with a reason. While paused the
/// scheduler skips that client's messages with reason `paused` (they are not sent later).
public struct ClientPauseChanged: EventPayload {
    public static let eventType = "ClientPauseChanged"
    public static let schemaVersion = 1
    public var clientIdentifier: String
    public var paused: Bool
    /// Required when pausing; optional when resuming.
    public var reason: String?

    public var clientId: String? { clientIdentifier }

    enum CodingKeys: String, CodingKey {
        case clientIdentifier = "clientId", paused, reason
    }

    public init(clientId: String, paused: Bool, reason: String?) {
        self.clientIdentifier = clientId
        self.paused = paused
        self.reason = reason
    }
}

/// An admin exported the message log with the phone numbers in full. The record's actor and
/// time say who and when; `filters` are the log filters the export used.
public struct UnmaskedLogExported: EventPayload {
    public static let eventType = "UnmaskedLogExported"
    public static let schemaVersion = 1
    /// Filter name → value, as the console's query or the CLI's flags gave them.
    public var filters: [String: String]
    public var rows: Int
    /// `console` or `cli`.
    public var via: String

    public init(filters: [String: String], rows: Int, via: String) {
        self.filters = filters
        self.rows = rows
        self.via = via
    }
}
