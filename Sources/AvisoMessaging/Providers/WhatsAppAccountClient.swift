import Foundation

/// One template as Meta's catalogue lists it.
public struct MetaTemplate: Sendable, Equatable {
    public var id: String?
    public var name: String
    public var language: String
    public var status: String
    public var category: String?
    /// The BODY component's text, with its `{{n}}` placeholders.
    public var body: String?

    public init(id: String?, name: String, language: String, status: String, category: String?, body: String?) {
        self.id = id
        self.name = name
        self.language = language
        self.status = status
        self.category = category
        self.body = body
    }

    public var placeholders: [String]? { body.map(MetaTemplateBody.placeholders(in:)) }
}

/// The business phone number's standing: `GET /{PHONE_NUMBER_ID}?fields=quality_rating,messaging_limit_tier`.
public struct PhoneNumberHealth: Sendable, Equatable {
    public var qualityRating: String?
    public var messagingLimitTier: String?

    public init(qualityRating: String?, messagingLimitTier: String?) {
        self.qualityRating = qualityRating
        self.messagingLimitTier = messagingLimitTier
    }
}

public enum WhatsAppAccountError: Error, Equatable, CustomStringConvertible {
    case notConfigured(String)
    /// Graph answered non-2xx; `code` is Graph's error code. Never carries the token.
    case graph(httpStatus: Int, code: Int?, message: String)
    case network(String)
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .notConfigured(let what): "WhatsApp account sync is not configured: \(what)"
        case let .graph(status, code, message): "Graph API answered HTTP \(status)\(code.map { " (code \($0))" } ?? ""): \(message)"
        case .network(let what): "Graph API unreachable: \(what)"
        case .invalidResponse(let what): "Graph API answered something Aviso cannot read: \(what)"
        }
    }
}

/// Reads the WhatsApp Business account's management endpoints: the template catalogue
/// (paged) and the phone number's quality and limit tier.
public struct WhatsAppAccountClient: Sendable {
    public let configuration: WhatsAppConfiguration
    private let transport: any HTTPTransport
    /// A bound on pages, so a Graph that keeps answering `next` cannot loop forever.
    public static let maxPages = 200
    /// Templates asked for per page (Graph's `limit`).
    public let pageSize: Int

    public init(configuration: WhatsAppConfiguration, transport: any HTTPTransport = URLSessionTransport(), pageSize: Int = 100) {
        self.configuration = configuration
        self.transport = transport
        self.pageSize = max(1, pageSize)
    }

    /// Every template of the WABA, following `paging.next` until it is absent. The next page
    /// is asked for with the `after` cursor on the configured base URL, never by calling the
    /// `next` URL itself, so the token only ever goes to the configured Graph host.
    public func templates() async throws(WhatsAppAccountError) -> [MetaTemplate] {
        guard let waba = configuration.businessAccountId, !waba.isEmpty else {
            throw .notConfigured("WHATSAPP_BUSINESS_ACCOUNT_ID is not set")
        }
        var out: [MetaTemplate] = []
        var after: String?
        for _ in 0..<Self.maxPages {
            var query = [URLQueryItem(name: "fields", value: "id,name,language,status,category,components"),
                         URLQueryItem(name: "limit", value: String(pageSize))]
            if let after { query.append(URLQueryItem(name: "after", value: after)) }
            let page: TemplatePage = try await get(configuration.graphURL(waba, "message_templates", query: query))
            for item in page.data {
                guard let name = item.name, let language = item.language, let status = item.status else {
                    throw .invalidResponse("a template without name, language or status")
                }
                let body = item.components?.first { $0.type?.uppercased() == "BODY" }?.text
                out.append(MetaTemplate(id: item.id, name: name, language: language, status: status.uppercased(),
                                        category: item.category?.uppercased(), body: body))
            }
            guard page.paging?.next != nil else { return out }
            guard let cursor = page.paging?.cursors?.after, !cursor.isEmpty, cursor != after else {
                throw .invalidResponse("paging.next without a new after cursor")
            }
            after = cursor
        }
        throw .invalidResponse("more than \(Self.maxPages) pages of templates")
    }

    public func phoneHealth() async throws(WhatsAppAccountError) -> PhoneNumberHealth {
        let url = configuration.graphURL(configuration.phoneNumberId, query: [
            URLQueryItem(name: "fields", value: "quality_rating,messaging_limit_tier,display_phone_number,verified_name"),
        ])
        let phone: PhoneFields = try await get(url)
        return PhoneNumberHealth(qualityRating: phone.quality_rating?.uppercased(), messagingLimitTier: phone.messaging_limit_tier?.uppercased())
    }

    private func get<T: Decodable>(_ url: URL) async throws(WhatsAppAccountError) -> T {
        let request = TransportRequest(method: "GET", url: url, headers: [
            "Authorization": "Bearer \(configuration.accessToken.value)", "Accept": "application/json",
        ])
        let response: TransportResponse
        do { response = try await transport.send(request) } catch { throw .network("\(error)") }
        guard (200..<300).contains(response.status) else {
            let error = (try? JSONDecoder().decode(GraphErrorBody.self, from: response.body))?.error
            throw .graph(httpStatus: response.status, code: error?.code,
                         message: error?.message.map { Redaction.scrubProviderText($0) } ?? "no error body")
        }
        do { return try JSONDecoder().decode(T.self, from: response.body) } catch {
            throw .invalidResponse("\(T.self) did not decode")
        }
    }
}

// MARK: Wire types (PROVIDERS.md, "WhatsApp template management and account health")

private struct TemplatePage: Decodable {
    struct Item: Decodable {
        var id: String?
        var name: String?
        var language: String?
        var status: String?
        var category: String?
        var components: [Component]?
    }
    struct Component: Decodable {
        var type: String?
        var text: String?
    }
    struct Paging: Decodable {
        struct Cursors: Decodable { var before: String?; var after: String? }
        var cursors: Cursors?
        var next: String?
    }
    var data: [Item]
    var paging: Paging?
}

private struct PhoneFields: Decodable {
    var quality_rating: String?
    var messaging_limit_tier: String?
}

private struct GraphErrorBody: Decodable {
    struct Detail: Decodable { var code: Int?; var message: String? }
    var error: Detail
}
