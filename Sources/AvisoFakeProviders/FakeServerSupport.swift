import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// One request as the fake server received it.
public struct RecordedRequest: Sendable {
    public var method: String
    /// Path without the query string.
    public var path: String
    /// Query parameters (first value of each name).
    public var query: [String: String] = [:]
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: String
    /// Parsed body: Twilio form fields as-is; WhatsApp JSON flattened to dotted paths,
    /// e.g. `template.components.0.parameters.1.text`.
    public var fields: [String: String]
    /// Whether the credentials matched the server's.
    public var authorized: Bool
}

/// What the fake does with the next well-formed, authorized request. An empty queue means success.
public indirect enum FakeBehaviour: Sendable {
    case success
    /// HTTP 429 with the provider's real body (Graph 130429 / Twilio 20429).
    case rateLimited
    /// HTTP 500 with a non-JSON body, as a proxy or load balancer would send.
    case serverError
    /// The provider's error JSON with this code (Graph `code`/`error_data`/`fbtrace_id`;
    /// Twilio `code`/`message`/`more_info`/`status`). `message` overrides the built-in text.
    case error(code: Int, httpStatus: Int = 400, message: String? = nil)
    /// Wait, then behave as `then`. Longer than the client timeout = a timed-out request.
    case delayed(Duration, then: FakeBehaviour)
}

public enum FakeServerError: Error {
    case didNotStart
}

/// Requests and scripted behaviours, shared by the request handlers and the test.
actor FakeServerState {
    private(set) var requests: [RecordedRequest] = []
    private var behaviours: [FakeBehaviour] = []

    func record(_ request: RecordedRequest) { requests.append(request) }
    func enqueue(_ more: [FakeBehaviour]) { behaviours.append(contentsOf: more) }
    func nextBehaviour() -> FakeBehaviour { behaviours.isEmpty ? .success : behaviours.removeFirst() }

    /// Set when the scope ends, so `.delayed` handlers stop waiting and shutdown stays quick.
    private(set) var isShuttingDown = false
    func beginShutdown() { isShuttingDown = true }

    /// Sleeps for `duration`, or less if the server is shutting down.
    func delay(_ duration: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while !isShuttingDown && clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(20))
        }
    }
}

struct FakeHTTPResponse: Sendable {
    var status: Int
    var body: String
    var contentType = "application/json"
}

/// Runs a Hummingbird app on 127.0.0.1 with an OS-assigned port for the duration of `body`,
/// then shuts it down gracefully: the server's lifetime is the scope, so a test can't leak it.
func withFakeHTTPServer<T>(
    name: String,
    parseFields: @escaping @Sendable (_ contentType: String, _ body: String) -> [String: String],
    isAuthorized: @escaping @Sendable (_ headers: [String: String]) -> Bool,
    state: FakeServerState,
    respond: @escaping @Sendable (RecordedRequest) async -> FakeHTTPResponse,
    _ body: (_ port: Int) async throws -> T
) async throws -> T {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "aviso.fake.\(name)")
    logger.logLevel = .warning  // keep Hummingbird's startup chatter out of test output

    let responder = CallbackResponder<BasicRequestContext> { request, _ in
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let text = String(buffer: buffer)
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where query[String(name)] == nil { query[String(name)] = String(value) }
        let recorded = RecordedRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: query,
            headers: headers,
            body: text,
            fields: parseFields(headers["content-type"] ?? "", text),
            authorized: isAuthorized(headers)
        )
        await state.record(recorded)
        let answer = await respond(recorded)
        return Response(
            status: .init(code: answer.status),
            headers: [.contentType: answer.contentType],
            body: .init(byteBuffer: ByteBuffer(string: answer.body))
        )
    }
    let app = Application(
        responder: responder,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        // Port 0 = OS-assigned; the bound port is only known once the server channel is up.
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger
    )

    // No signal handling: the scope, not the process, decides when the server stops.
    let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))

    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portContinuation.finish() }  // unblocks the wait below if startup fails
            try await serviceGroup.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()  // surfaces the startup error, if any
            throw FakeServerError.didNotStart
        }
        let result: Result<T, any Error>
        do { result = .success(try await body(port)) } catch { result = .failure(error) }
        await state.beginShutdown()
        await serviceGroup.triggerGracefulShutdown()
        try await group.waitForAll()
        return try result.get()
    }
}

/// `[String: Any]`-free JSON, so parsed bodies can be flattened and stay Sendable.
enum JSONValue: Decodable {
    case string(String), int(Int), double(Double), bool(Bool), null
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int.self) { self = .int(v) }
        else if let v = try? c.decode(Double.self) { self = .double(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([JSONValue].self) { self = .array(v) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// `{"a":{"b":[1,"x"]}}` → `["a.b.0": "1", "a.b.1": "x"]`.
    func flattened(prefix: String = "") -> [String: String] {
        func key(_ k: String) -> String { prefix.isEmpty ? k : "\(prefix).\(k)" }
        switch self {
        case .string(let s): return [prefix: s]
        case .int(let i): return [prefix: String(i)]
        case .double(let d): return [prefix: String(d)]
        case .bool(let b): return [prefix: String(b)]
        case .null: return [prefix: "null"]
        case .array(let items):
            return items.enumerated().reduce(into: [:]) { $0.merge($1.element.flattened(prefix: key(String($1.offset)))) { a, _ in a } }
        case .object(let dict):
            return dict.reduce(into: [:]) { $0.merge($1.value.flattened(prefix: key($1.key))) { a, _ in a } }
        }
    }
}

func randomHex(_ count: Int) -> String {
    String((0..<count).map { _ in "0123456789abcdef".randomElement()! })
}

/// JSON string literal for hand-built bodies.
func jsonString(_ s: String) -> String {
    let data = try! JSONEncoder().encode(s)
    return String(decoding: data, as: UTF8.self)
}
