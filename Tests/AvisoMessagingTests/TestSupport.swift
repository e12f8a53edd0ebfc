import AvisoFakeProviders
import Foundation
import Logging
import Testing

@testable import AvisoMessaging

/// A small lock-protected value, for state shared with @Sendable test closures.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
    var current: Value { withLock { $0 } }
}

/// Captures everything logged through loggers it makes, at trace level, as flat strings.
final class LogCapture: Sendable {
    let lines = Locked<[String]>([])

    func logger(_ label: String = "test") -> Logger {
        Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
    }

    var all: String { lines.current.joined(separator: "\n") }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.lines.withLock { $0.append("\(event.level) \(label): \(event.message) \(meta)") }
    }
}

/// Retry policy that never really sleeps; records the delays it was asked to wait.
func instantRetryPolicy(maxAttempts: Int = 3, slept: Locked<[Duration]> = Locked([])) -> RetryPolicy {
    RetryPolicy(
        maxAttempts: maxAttempts,
        baseDelay: .milliseconds(10),
        maxDelay: .milliseconds(40),
        sleep: { d in slept.withLock { $0.append(d) } },
        random: { $0 }  // deterministic: always the full ceiling
    )
}

/// Virtual time for `SendRateLimiter`: sleeping advances the clock instantly (or not at all).
final class ManualClock: Sendable {
    let now = Locked<Duration>(.zero)
    let sleeps = Locked<[Duration]>([])
    let advancesOnSleep: Bool

    init(advancesOnSleep: Bool = true) { self.advancesOnSleep = advancesOnSleep }

    var timing: SendRateLimiter.Timing {
        SendRateLimiter.Timing(
            now: { self.now.current },
            sleep: { d in
                self.sleeps.withLock { $0.append(d) }
                if self.advancesOnSleep { self.now.withLock { $0 += d } }
            }
        )
    }

    func advance(_ d: Duration) { now.withLock { $0 += d } }
}

/// Milliseconds, rounded, for comparing Durations built from Doubles.
func ms(_ d: Duration) -> Int { Int((Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15).rounded()) }

/// Generous for ordinary tests (a loaded CI machine mustn't turn them into timeouts);
/// the timeout tests pass `shortTimeout` against a fake that answers after 2 s.
let normalTimeout: Duration = .seconds(5)
let shortTimeout: Duration = .milliseconds(300)

func whatsAppProvider(
    _ server: FakeWhatsAppServer,
    token: String? = nil,
    limiter: SendRateLimiter = SendRateLimiter(ratePerSecond: 1000),
    timeout: Duration = normalTimeout,
    logger: Logger = Logger(label: "test.whatsapp")
) -> WhatsAppCloudProvider {
    let config = WhatsAppConfiguration(
        accessToken: Secret(token ?? server.accessToken), phoneNumberId: server.phoneNumberId, apiBase: server.baseURL)
    return WhatsAppCloudProvider(
        configuration: config, transport: URLSessionTransport(timeout: timeout), rateLimiter: limiter, logger: logger)
}

func twilioProvider(
    _ server: FakeTwilioServer,
    token: String? = nil,
    sender: TwilioConfiguration.Sender = .from("+15005550006"),
    publicURL: URL? = URL(string: "https://aviso.example.gt"),
    timeout: Duration = normalTimeout,
    logger: Logger = Logger(label: "test.twilio")
) -> TwilioSMSProvider {
    let config = TwilioConfiguration(
        accountSid: server.accountSid, authToken: Secret(token ?? server.authToken), sender: sender,
        apiBase: server.baseURL, publicURL: publicURL)
    return TwilioSMSProvider(configuration: config, transport: URLSessionTransport(timeout: timeout), logger: logger)
}

let reminderTemplate = WhatsAppTemplateCall(name: "recordatorio_pago", language: "es", bodyParameters: ["Ana", "Q150.00", "15/07"])

func waMessage(to: String = "+50255551234", template: WhatsAppTemplateCall? = reminderTemplate, freeText: Bool = false) -> OutgoingMessage {
    OutgoingMessage(
        to: to, channel: .whatsapp, text: "Hola Ana, su pago de Q150.00 vence el 15/07.",
        whatsappTemplate: template, allowFreeText: freeText, callbackData: "reminder:123")
}

func smsMessage(to: String = "+50255551234", text: String = "Hola Ana: su cuota de Q150.00 vence mañana & gracias") -> OutgoingMessage {
    OutgoingMessage(to: to, channel: .sms, text: text)
}

/// Sends and returns the failure, recording an issue if the send succeeded.
func expectFailure(_ provider: some MessageProvider, _ message: OutgoingMessage, sourceLocation: SourceLocation = #_sourceLocation) async -> ProviderFailure? {
    do {
        let ok = try await provider.send(message)
        Issue.record("expected a failure, got \(ok)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A transport that must never be used (dry-run), counting calls if it is.
final class RecordingTransport: HTTPTransport {
    let calls = Locked(0)
    func send(_ request: TransportRequest) async throws(HTTPTransportError) -> TransportResponse {
        calls.withLock { $0 += 1 }
        throw .connectionFailed("recording transport")
    }
}

/// A provider that replays scripted outcomes, for RetryingSender unit tests.
final class ScriptedProvider: MessageProvider {
    let name: String
    let channel = Channel.sms
    let outcomes: Locked<[Result<ProviderAcceptance, ProviderFailure>]>
    let calls = Locked(0)

    init(name: String = "twilio", _ outcomes: [Result<ProviderAcceptance, ProviderFailure>]) {
        self.name = name
        self.outcomes = Locked(outcomes)
    }

    func send(_ message: OutgoingMessage) async throws(ProviderFailure) -> ProviderAcceptance {
        calls.withLock { $0 += 1 }
        let next = outcomes.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw ProviderFailure(provider: name, kind: .permanent, summary: "script exhausted") }
        return try next.get()
    }
}
