import AvisoLedger
import AvisoProjections
import AvisoScheduler
@testable import AvisoServer
import Foundation
import GRDB
import Hummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Captures every log line a test's app writes, through the production JSON handler.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func logger(level: Logger.Level = .trace) -> Logger {
        Logger(label: "aviso-test") { label in
            JSONLogHandler(label: label, level: level) { [self] line in lines.withLock { $0.append(line) } }
        }
    }
}

/// Records what the routes asked of the send path and the scheduler (test double).
final class RecordingActions: NotificationActions {
    struct Call: Sendable, Equatable {
        var kind: String
        var actor: String
        var dryRun: Bool
        var test: TestSendRequest?
    }

    private let calls = Mutex<[Call]>([])
    var recorded: [Call] { calls.withLock { $0 } }

    func sendTest(_ request: TestSendRequest, actor: String) async throws -> TestSendResult {
        calls.withLock { $0.append(Call(kind: "test", actor: actor, dryRun: request.dryRun ?? false, test: request)) }
        return TestSendResult(messageKey: "test:\(request.clientId)", clientId: request.clientId, stage: request.stage ?? "TEST",
                              channel: request.channel ?? .whatsapp, provider: "dry-run", to: "•••••••1234", status: "sent",
                              messageId: "dry-run-1", dryRun: request.dryRun ?? false, text: "Hola")
    }

    func run(dryRun: Bool, actor: String) async throws -> AvisoServer.RunSummary {
        calls.withLock { $0.append(Call(kind: "run", actor: actor, dryRun: dryRun)) }
        return RunSummary(kind: "run", dryRun: dryRun, actor: actor, startedAt: Date(timeIntervalSince1970: 0),
                          finishedAt: Date(timeIntervalSince1970: 1), due: 0, sent: 0, failed: 0, ignoredInvalidPhone: 0, skipped: [:])
    }

    func reactivate(dryRun: Bool, actor: String) async throws -> AvisoServer.RunSummary {
        calls.withLock { $0.append(Call(kind: "reactivate", actor: actor, dryRun: dryRun)) }
        return RunSummary(kind: "reactivate", dryRun: dryRun, actor: actor, startedAt: Date(timeIntervalSince1970: 0),
                          finishedAt: Date(timeIntervalSince1970: 1), due: 0, sent: 0, failed: 0, ignoredInvalidPhone: 0, skipped: [:])
    }
}

/// Secrets the tests use; none may ever appear in a log line.
enum TestSecrets {
    static let twilioToken = "tw-auth-token-test-0001"
    static let appSecret = "meta-app-secret-test-0002"
    static let verifyToken = "meta-verify-token-test-0003"
    static let cronSecret = "cron-secret-test-0004-abcdef"
    static let passwords = ["admin": "admin-password-0005", "asesor": "asesor-password-0006",
                            "cliente": "cliente-password-0007", "otroasesor": "otro-password-0008"]
}

/// A data directory with the demo portfolio, default templates and four users, plus the
/// app built on it with test arguments.
struct TestEnvironment: Sendable {
    let directory: URL
    let store: AvisoStore
    let arguments: AppArguments
    let parts: ServerParts
    let actions: RecordingActions
    let logs: LogCapture

    /// The repository's `Fixtures/` (what the binary embeds; EmbeddedFixturesTests keeps them equal).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)

    static func make(signed: Bool = true, publicURL: String? = "https://aviso.example.gt", throttle: LoginThrottle.Limits = .init(),
                     seed: Bool = true) async throws -> TestEnvironment {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-server-test-\(UUID().uuidString)")
        let store = try AvisoStore(directory: DataDirectory(directory))
        let logs = LogCapture()
        let arguments = AppArguments(
            host: "127.0.0.1", port: 0, publicURL: publicURL,
            twilioAuthToken: signed ? TestSecrets.twilioToken : nil, whatsappAppSecret: signed ? TestSecrets.appSecret : nil,
            whatsappVerifyToken: signed ? TestSecrets.verifyToken : nil, cronSecret: TestSecrets.cronSecret,
            bcryptCost: 4, trustForwardedFor: true)
        if seed {
            try await DefaultTemplateSeed.loadIfEmpty(store: store, fixtures: .embedded)
            let demo = fixtures.appendingPathComponent("demo")
            _ = try await PortfolioImportShim.importDemo(store: store, demo: demo)
            for (login, role, name, client) in [("admin", UserRole.admin, "Admin", nil as String?),
                                                ("asesor", .asesor, "Ana Pérez", nil),
                                                ("otroasesor", .asesor, "Luis Morales", nil),
                                                ("cliente", .cliente, "María", "C001")] {
                try await UserAdmin.create(login: login, role: role, name: name, clientId: client,
                                           password: TestSecrets.passwords[login]!, in: store, actor: "test", cost: 4)
            }
        }
        let logger = logs.logger()
        let parts = ServerParts(store: store, arguments: arguments, logger: logger, throttle: throttle)
        return TestEnvironment(directory: directory, store: store, arguments: arguments, parts: parts,
                               actions: RecordingActions(), logs: logs)
    }

    var app: some ApplicationProtocol {
        buildApplication(arguments, store: store, actions: actions, logger: logs.logger(), parts: parts)
    }

    /// Runs `body` against the app through the router (no socket), then checks the logs.
    func test(_ extraSecrets: [String] = [], _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await app.test(.router) { client in try await body(client) }
        assertLogsClean(extraSecrets)
    }

    /// No token, password, session id, CSRF token or full phone number in any log line.
    func assertLogsClean(_ extra: [String] = []) {
        let forbidden = [TestSecrets.twilioToken, TestSecrets.appSecret, TestSecrets.verifyToken, TestSecrets.cronSecret]
            + Array(TestSecrets.passwords.values) + extra + Self.fullPhones
        let lines = logs.all
        for secret in forbidden where !secret.isEmpty {
            let leaked = lines.filter { $0.contains(secret) }
            #expect(leaked.isEmpty, "log leaked a secret or full phone: \(leaked.first ?? "")")
        }
        // Any run of 8+ digits would be a phone (request ids are hex, whitelisted by key).
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else {
                Issue.record("log line is not a JSON object: \(line)")
                continue
            }
            for (key, value) in object where key != "hb.request.id" && key != "time" {
                #expect(value.range(of: "[0-9]{8,}", options: .regularExpression) == nil, "digits in log \(key)=\(value)")
            }
        }
    }

    static let fullPhones = ["+50255551234", "50255551234", "55551234", "+50241234567", "41234567"]

    func cleanUp() {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    func ledgerEvents() throws -> [LedgerEvent] {
        var out: [LedgerEvent] = []
        try store.ledger.forEachRecord { out.append(try $0.decodeEvent()) }
        return out
    }

    var head: UInt64 { (try? store.ledger.head().position) ?? 0 }
}

enum PortfolioImportShim {
    static func importDemo(store: AvisoStore, demo: URL) async throws -> Int {
        try await AvisoPortfolioBridge.run(store: store, demo: demo)
    }
}

// MARK: Request helpers

extension TestClientProtocol {
    /// Logs in and returns (cookie header value, CSRF token).
    func login(_ login: String, password: String? = nil, ip: String = "10.0.0.1") async throws -> (cookie: String, csrf: String) {
        let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": password ?? TestSecrets.passwords[login]!])
        return try await execute(uri: "/login", method: .post,
                                 headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: ip],
                                 body: ByteBuffer(bytes: body)) { response in
            #expect(response.status == .ok)
            let setCookie = response.headers[.setCookie] ?? ""
            let pair = setCookie.split(separator: ";").first.map(String.init) ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            return (pair, json?["csrfToken"] as? String ?? "")
        }
    }
}

extension HTTPFields {
    static func session(_ s: (cookie: String, csrf: String), json: Bool = true) -> HTTPFields {
        var fields: HTTPFields = [.cookie: s.cookie, HTTPField.Name("X-CSRF-Token")!: s.csrf]
        if json { fields[.contentType] = "application/json" }
        return fields
    }

    static var cron: HTTPFields { [.authorization: "Bearer \(TestSecrets.cronSecret)", .contentType: "application/json"] }
}

func json(_ buffer: ByteBuffer) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] ?? [:]
}

func errorCode(_ buffer: ByteBuffer) -> String? {
    ((try? json(buffer))?["error"] as? [String: Any])?["code"] as? String
}

func obj(_ buffer: ByteBuffer) -> [String: Any] {
    (try? json(buffer)) ?? [:]
}
