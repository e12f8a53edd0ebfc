import Foundation

/// The fake Graph API's management side: a template catalogue served in pages with
/// `paging.cursors` and `paging.next` as Meta documents them, and the phone number's
/// `quality_rating` / `messaging_limit_tier`.
public actor FakeWhatsAppAccount {
    public struct Template: Sendable {
        public var id: String
        public var name: String
        public var language: String
        public var status: String
        public var category: String
        public var body: String

        public init(id: String? = nil, name: String, language: String = "es", status: String = "APPROVED",
                    category: String = "UTILITY", body: String) {
            self.id = id ?? String(abs(name.hashValue) % 1_000_000_000_000)
            self.name = name
            self.language = language
            self.status = status
            self.category = category
            self.body = body
        }
    }

    public private(set) var templates: [Template] = []
    public private(set) var qualityRating = "GREEN"
    public private(set) var messagingLimitTier = "TIER_1K"
    /// Used when the request has no `limit`.
    public private(set) var defaultPageSize = 25

    init() {}

    public func setTemplates(_ templates: [Template]) { self.templates = templates }
    public func setHealth(qualityRating: String, messagingLimitTier: String) {
        self.qualityRating = qualityRating
        self.messagingLimitTier = messagingLimitTier
    }
    public func setDefaultPageSize(_ size: Int) { defaultPageSize = max(1, size) }

    func respond(to request: RecordedRequest, parts: [String], phoneNumberId: String, businessAccountId: String,
                 port: Int) -> FakeHTTPResponse {
        guard parts.count >= 2, parts[0].hasPrefix("v") else {
            return FakeWhatsAppServer.graphError(code: 100, status: 400, message: "Unknown path components: \(request.path)")
        }
        if parts.count == 3, parts[1] == businessAccountId, parts[2] == "message_templates" {
            return templatePage(request, version: parts[0], waba: businessAccountId, port: port)
        }
        if parts.count == 2, parts[1] == phoneNumberId {
            var fields: [String] = ["\"id\":\(jsonString(phoneNumberId))"]
            let asked = Set((request.query["fields"] ?? "").split(separator: ",").map(String.init))
            if asked.contains("quality_rating") { fields.append("\"quality_rating\":\(jsonString(qualityRating))") }
            if asked.contains("messaging_limit_tier") { fields.append("\"messaging_limit_tier\":\(jsonString(messagingLimitTier))") }
            if asked.contains("display_phone_number") { fields.append("\"display_phone_number\":\"15550783881\"") }
            if asked.contains("verified_name") { fields.append("\"verified_name\":\"Aviso Prueba\"") }
            return FakeHTTPResponse(status: 200, body: "{\(fields.joined(separator: ","))}")
        }
        return FakeWhatsAppServer.graphError(
            code: 100, status: 400,
            message: "Unsupported get request. Object with ID '\(parts.dropFirst().first ?? "")' does not exist")
    }

    /// Cursors are opaque to clients; here they are the base64 of an offset.
    private func templatePage(_ request: RecordedRequest, version: String, waba: String, port: Int) -> FakeHTTPResponse {
        let limit = request.query["limit"].flatMap(Int.init) ?? defaultPageSize
        var start = 0
        if let after = request.query["after"] {
            guard let data = Data(base64Encoded: after), let offset = Int(String(decoding: data, as: UTF8.self)) else {
                return FakeWhatsAppServer.graphError(code: 100, status: 400, message: "Invalid cursor")
            }
            start = offset
        }
        let page = Array(templates.dropFirst(start).prefix(limit))
        let items = page.map { t in
            """
            {"name":\(jsonString(t.name)),"components":[{"type":"HEADER","format":"TEXT","text":"Aviso"},\
            {"type":"BODY","text":\(jsonString(t.body))},{"type":"FOOTER","text":"No responda"}],\
            "language":\(jsonString(t.language)),"status":\(jsonString(t.status)),"category":\(jsonString(t.category)),"id":\(jsonString(t.id))}
            """
        }
        func cursor(_ offset: Int) -> String { Data(String(offset).utf8).base64EncodedString() }
        var paging = "\"cursors\":{\"before\":\(jsonString(cursor(start))),\"after\":\(jsonString(cursor(start + page.count)))}"
        if start + page.count < templates.count {
            var next = URLComponents(string: "http://127.0.0.1:\(port)/\(version)/\(waba)/message_templates")!
            next.queryItems = [URLQueryItem(name: "limit", value: String(limit)), URLQueryItem(name: "after", value: cursor(start + page.count))]
            paging += ",\"next\":\(jsonString(next.url!.absoluteString))"
        }
        return FakeHTTPResponse(status: 200, body: "{\"data\":[\(items.joined(separator: ","))],\"paging\":{\(paging)}}")
    }
}

/// The fake's port, known only once the server is up (for the absolute `paging.next` URL).
actor FakePort {
    private(set) var value = 0
    func set(_ port: Int) { value = port }
}
