import Foundation
import Hummingbird

/// A local stand-in for Twilio's Messages resource: create (`POST …/Messages.json`) and
/// fetch (`GET …/Messages/{sid}.json`).
public final class FakeTwilioServer: Sendable {
    public let port: Int
    public let accountSid: String
    public let authToken: String
    let state: FakeServerState
    let store: MessageStore

    init(port: Int, accountSid: String, authToken: String, state: FakeServerState, store: MessageStore) {
        self.port = port
        self.accountSid = accountSid
        self.authToken = authToken
        self.state = state
        self.store = store
    }

    /// Use as `TWILIO_API_BASE`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Script the next responses to message creation, in order; an empty queue means success.
    public func enqueue(_ behaviours: FakeBehaviour...) async { await state.enqueue(behaviours) }

    /// Every request received so far, including rejected ones.
    public func requests() async -> [RecordedRequest] { await state.requests }

    /// Moves a stored message on (e.g. to "delivered"), as Twilio would over time.
    public func setStatus(_ status: String, forMessage sid: String) async { await store.setStatus(status, for: sid) }

    // MARK: Protocol

    actor MessageStore {
        private var statuses: [String: String] = [:]
        func add(_ sid: String, status: String) { statuses[sid] = status }
        func setStatus(_ status: String, for sid: String) { statuses[sid] = status }
        func status(of sid: String) -> String? { statuses[sid] }
    }

    static func respond(to request: RecordedRequest, accountSid: String, state: FakeServerState, store: MessageStore) async -> FakeHTTPResponse {
        guard request.authorized else { return twilioError(code: 20003, status: 401, message: "Authenticate") }
        let base = "/2010-04-01/Accounts/\(accountSid)/Messages"
        if request.method == "POST" && request.path == base + ".json" {
            let f = request.fields
            guard let to = f["To"], !to.isEmpty else {
                return twilioError(code: 21604, status: 400, message: "A 'To' phone number is required.")
            }
            guard (f["From"] != nil) != (f["MessagingServiceSid"] != nil) else {
                return twilioError(code: 21603, status: 400, message: "A 'From' or 'MessagingServiceSid' parameter is required")
            }
            return await behave(state.nextBehaviour(), fields: f, accountSid: accountSid, state: state, store: store)
        }
        if request.method == "GET" && request.path.hasPrefix(base + "/") && request.path.hasSuffix(".json") {
            let sid = String(request.path.dropFirst(base.count + 1).dropLast(".json".count))
            guard let status = await store.status(of: sid) else {
                return twilioError(code: 20404, status: 404, message: "The requested resource \(request.path) was not found")
            }
            return FakeHTTPResponse(status: 200, body: messageJSON(sid: sid, accountSid: accountSid, status: status, fields: [:]))
        }
        return twilioError(code: 20404, status: 404, message: "The requested resource \(request.path) was not found")
    }

    private static func behave(_ behaviour: FakeBehaviour, fields: [String: String], accountSid: String, state: FakeServerState, store: MessageStore) async -> FakeHTTPResponse {
        switch behaviour {
        case .success:
            let sid = "SM" + randomHex(32)
            // Initial status: "queued", or "accepted" through a Messaging Service (PROVIDERS.md §B).
            let status = fields["MessagingServiceSid"] != nil ? "accepted" : "queued"
            await store.add(sid, status: status)
            return FakeHTTPResponse(status: 201, body: messageJSON(sid: sid, accountSid: accountSid, status: status, fields: fields))
        case .rateLimited:
            return twilioError(code: 20429, status: 429, message: "Too Many Requests")
        case .serverError:
            return FakeHTTPResponse(status: 500, body: "Internal Server Error", contentType: "text/plain")
        case .error(let code, let status, let text):
            return twilioError(code: code, status: status, message: text ?? message(for: code, to: fields["To"] ?? ""))
        case .delayed(let duration, let then):
            await state.delay(duration)
            return await behave(then, fields: fields, accountSid: accountSid, state: state, store: store)
        }
    }

    /// Real messages quote the number (21211), which is why the client must not log them raw.
    private static func message(for code: Int, to: String) -> String {
        switch code {
        case 21211: "The 'To' number \(to) is not a valid phone number."
        case 21610: "Attempt to send to unsubscribed recipient"
        case 21614: "'To' number \(to) is not a valid mobile number"
        case 21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: \(to)."
        default: "Error \(code)"
        }
    }

    static func twilioError(code: Int, status: Int, message: String) -> FakeHTTPResponse {
        FakeHTTPResponse(status: status, body: """
            {"code":\(code),"message":\(jsonString(message)),"more_info":"https://www.twilio.com/docs/errors/\(code)","status":\(status)}
            """)
    }

    private static func messageJSON(sid: String, accountSid: String, status: String, fields: [String: String]) -> String {
        func value(_ key: String) -> String { fields[key].map(jsonString) ?? "null" }
        return """
            {"sid":"\(sid)","account_sid":\(jsonString(accountSid)),"to":\(value("To")),"from":\(value("From")),\
            "messaging_service_sid":\(value("MessagingServiceSid")),"body":\(value("Body")),"status":"\(status)",\
            "num_segments":"1","direction":"outbound-api","error_code":null,"error_message":null,\
            "api_version":"2010-04-01","date_created":"Thu, 30 Jul 2015 20:12:31 +0000","price":null,\
            "uri":"/2010-04-01/Accounts/\(accountSid)/Messages/\(sid).json"}
            """
    }
}

/// Runs a fake Twilio API for the duration of `body`.
public func withFakeTwilio<T>(
    accountSid: String = "ACfake0000000000000000000000000000",
    authToken: String = "fake-twilio-auth-token-0000",
    _ body: (FakeTwilioServer) async throws -> T
) async throws -> T {
    let state = FakeServerState()
    let store = FakeTwilioServer.MessageStore()
    let expectedAuth = "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()
    return try await withFakeHTTPServer(
        name: "twilio",
        parseFields: { _, text in parseForm(text) },
        isAuthorized: { $0["authorization"] == expectedAuth },
        state: state,
        respond: { await FakeTwilioServer.respond(to: $0, accountSid: accountSid, state: state, store: store) }
    ) { port in
        try await body(FakeTwilioServer(port: port, accountSid: accountSid, authToken: authToken, state: state, store: store))
    }
}

/// application/x-www-form-urlencoded → fields (`+` is a space; `%2B` is a plus).
func parseForm(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in text.split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring) -> String {
            s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
        }
        fields[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
    }
    return fields
}
