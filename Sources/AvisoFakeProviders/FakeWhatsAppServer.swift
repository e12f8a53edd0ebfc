import Foundation
import Hummingbird

/// A local stand-in for the Graph API: `POST /{version}/{phoneId}/messages`, and the
/// management reads `GET /{version}/{wabaId}/message_templates` (paged) and
/// `GET /{version}/{phoneId}?fields=…` (see `FakeWhatsAppAccount`).
public final class FakeWhatsAppServer: Sendable {
    public let port: Int
    public let accessToken: String
    public let phoneNumberId: String
    public let businessAccountId: String
    let state: FakeServerState
    /// The template catalogue and phone health this fake answers with; set them in the test.
    public let account: FakeWhatsAppAccount

    init(port: Int, accessToken: String, phoneNumberId: String, businessAccountId: String, state: FakeServerState,
         account: FakeWhatsAppAccount) {
        self.port = port
        self.accessToken = accessToken
        self.phoneNumberId = phoneNumberId
        self.businessAccountId = businessAccountId
        self.state = state
        self.account = account
    }

    /// The variables that point Aviso at this fake, account sync included.
    public var environment: [String: String] {
        ["WHATSAPP_TOKEN": accessToken, "WHATSAPP_PHONE_ID": phoneNumberId, "WHATSAPP_API_BASE": baseURL.absoluteString,
         "WHATSAPP_BUSINESS_ACCOUNT_ID": businessAccountId]
    }

    /// Use as `WHATSAPP_API_BASE`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Script the next responses, in order; after the queue runs out every request succeeds.
    public func enqueue(_ behaviours: FakeBehaviour...) async { await state.enqueue(behaviours) }

    /// Every request received so far, including rejected ones.
    public func requests() async -> [RecordedRequest] { await state.requests }

    // MARK: Protocol

    static func respond(to request: RecordedRequest, phoneNumberId: String, businessAccountId: String, state: FakeServerState,
                        account: FakeWhatsAppAccount, port: Int) async -> FakeHTTPResponse {
        guard request.authorized else {
            return graphError(code: 190, status: 401, message: "Invalid OAuth access token - Cannot parse access token")
        }
        let parts = request.path.split(separator: "/")
        if request.method == "GET" {
            return await account.respond(to: request, parts: parts.map(String.init), phoneNumberId: phoneNumberId,
                                         businessAccountId: businessAccountId, port: port)
        }
        guard request.method == "POST", parts.count == 3, parts[0].hasPrefix("v"), parts[2] == "messages" else {
            return graphError(code: 100, status: 400, message: "Unknown path components: \(request.path)")
        }
        guard parts[1] == phoneNumberId else {
            return graphError(code: 100, status: 400, message: "Unsupported post request. Object with ID '\(parts[1])' does not exist")
        }
        // Shape checks a real Graph API would also reject (as code 100, invalid parameter).
        let f = request.fields
        guard f["messaging_product"] == "whatsapp", let to = f["to"], !to.isEmpty else {
            return graphError(code: 100, status: 400, message: "The parameter messaging_product is required.")
        }
        switch f["type"] {
        case "text"? where f["text.body"] != nil: break
        case "template"? where f["template.name"] != nil && f["template.language.code"] != nil: break
        default: return graphError(code: 100, status: 400, message: "Invalid parameter")
        }
        return await behave(state.nextBehaviour(), to: to, state: state)
    }

    private static func behave(_ behaviour: FakeBehaviour, to: String, state: FakeServerState) async -> FakeHTTPResponse {
        switch behaviour {
        case .success:
            let waId = to.filter(\.isNumber)
            let wamid = "wamid.HBgL\(randomHex(24).uppercased())"
            return FakeHTTPResponse(status: 200, body: """
                {"messaging_product":"whatsapp","contacts":[{"input":\(jsonString(to)),"wa_id":\(jsonString(waId))}],\
                "messages":[{"id":\(jsonString(wamid))}]}
                """)
        case .rateLimited:
            return graphError(code: 130429, status: 429, message: "Rate limit hit", details: "Cloud API message throughput has been reached.")
        case .serverError:
            return FakeHTTPResponse(status: 500, body: "Internal Server Error", contentType: "text/plain")
        case .error(let code, let status, let text):
            return graphError(code: code, status: status, message: text ?? messages[code] ?? "Error")
        case .delayed(let duration, let then):
            await state.delay(duration)
            return await behave(then, to: to, state: state)
        }
    }

    private static let messages: [Int: String] = [
        131026: "Message undeliverable",
        131047: "Re-engagement message",
        132001: "Template name does not exist in the translation",
        368: "Temporarily blocked for policies violations",
        131031: "Account has been locked",
        190: "Error validating access token: Session has expired",
        131000: "Something went wrong",
    ]

    /// The Graph error envelope from PROVIDERS.md §A.
    static func graphError(code: Int, status: Int, message: String, details: String? = nil) -> FakeHTTPResponse {
        FakeHTTPResponse(status: status, body: """
            {"error":{"message":\(jsonString("(#\(code)) \(message)")),"type":"OAuthException","code":\(code),\
            "error_data":{"messaging_product":"whatsapp","details":\(jsonString(details ?? message))},\
            "fbtrace_id":"A\(randomHex(22))"}}
            """)
    }
}

/// Runs a fake Graph API for the duration of `body`.
public func withFakeWhatsApp<T>(
    accessToken: String = "fake-whatsapp-token-0000",
    phoneNumberId: String = "106540352242922",
    businessAccountId: String = "102290129340398",
    _ body: (FakeWhatsAppServer) async throws -> T
) async throws -> T {
    let state = FakeServerState()
    let account = FakeWhatsAppAccount()
    let boundPort = FakePort()
    return try await withFakeHTTPServer(
        name: "whatsapp",
        parseFields: { _, text in
            (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.flattened() ?? [:]
        },
        isAuthorized: { $0["authorization"] == "Bearer \(accessToken)" },
        state: state,
        respond: {
            await FakeWhatsAppServer.respond(to: $0, phoneNumberId: phoneNumberId, businessAccountId: businessAccountId,
                                             state: state, account: account, port: await boundPort.value)
        }
    ) { port in
        await boundPort.set(port)
        return try await body(FakeWhatsAppServer(port: port, accessToken: accessToken, phoneNumberId: phoneNumberId,
                                                 businessAccountId: businessAccountId, state: state, account: account))
    }
}
