import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9: login follows OWASP's authentication guidance.
@Suite struct LoginHardeningTests {
    static func attempt(_ client: some TestClientProtocol, login: String, password: String, ip: String) async throws -> HTTPResponse.Status {
        let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": password])
        return try await client.execute(uri: "/login", method: .post,
                                        headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: ip],
                                        body: ByteBuffer(bytes: body)) { $0.status }
    }

    static func passwordChecks(_ client: some TestClientProtocol) async throws -> Int {
        try await client.execute(uri: "/metrics", method: .get) { response in
            let line = String(buffer: response.body).split(separator: "\n").first { $0.hasPrefix("aviso_login_password_checks_total ") }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        }
    }

    /// 100 wrong passwords at once get at most the limit of bcrypt comparisons: the throttle
    /// takes its slot before bcrypt runs.
    @Test func concurrentGuessesRunAtMostTheLimitOfPasswordChecks() async throws {
        let env = try await TestEnvironment.make(throttle: LoginThrottle.Limits(maxFailures: 5, maxFailuresPerAddress: 20, window: 600))
        defer { env.cleanUp() }
        try await env.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<100 {
                    group.addTask { try await Self.attempt(client, login: "admin", password: "wrong-guess-\(i)", ip: "10.66.0.1") }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 95)
            do { let got = try await Self.passwordChecks(client); #expect(got == 5) }
        }
    }

    /// An unknown login costs a bcrypt check at the same cost as a real user's hash.
    @Test func unknownLoginsCostTheSameAsKnownOnes() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let admin = try #require(try await SQLiteUserDirectory(store: env.store).user(login: "admin"))
        func cost(_ hash: String) -> Int? { Int(hash.split(separator: "$").dropFirst().first ?? "") }  // $2b$12$…
        #expect(cost(admin.passwordHash) == Int(env.arguments.bcryptCost))
        #expect(cost(AuthController.decoyHash(cost: env.arguments.bcryptCost)) == cost(admin.passwordHash))
        #expect(cost(AuthController.decoyHash(cost: 12)) == 12)
        try await env.test { client in
            do { let got = try await Self.attempt(client, login: "nadie", password: "whatever-123", ip: "10.1.1.1"); #expect(got == .unauthorized) }
            do { let got = try await Self.attempt(client, login: "admin", password: "whatever-123", ip: "10.1.1.1"); #expect(got == .unauthorized) }
            do { let got = try await Self.passwordChecks(client); #expect(got == 2) }
        }
    }

    /// An attacker's failures lock the attacker's address out of that login, not the owner
    /// at the owner's address; a spray from many addresses hits the per-login ceiling, which
    /// does not apply where the owner has signed in before.
    @Test func attackerCannotLockTheOwnerOut() async throws {
        let env = try await TestEnvironment.make(throttle: LoginThrottle.Limits(maxFailures: 3, maxFailuresPerAddress: 5, maxFailuresPerLogin: 9, window: 600))
        defer { env.cleanUp() }
        let password = TestSecrets.passwords["admin"]!
        try await env.test { client in
            do { let got = try await Self.attempt(client, login: "admin", password: password, ip: "10.0.0.1"); #expect(got == .ok) }  // the owner's address
            for _ in 0..<3 { do { let got = try await Self.attempt(client, login: "admin", password: "bad-guess-123", ip: "10.66.6.6"); #expect(got == .unauthorized) } }
            do { let got = try await Self.attempt(client, login: "admin", password: password, ip: "10.66.6.6"); #expect(got == .tooManyRequests) }
            do { let got = try await Self.attempt(client, login: "admin", password: password, ip: "10.0.0.1"); #expect(got == .ok) }
            // A spray: one failure from each of many addresses reaches the per-login ceiling.
            for i in 0..<6 { do { let got = try await Self.attempt(client, login: "admin", password: "bad-guess-123", ip: "10.77.0.\(i)"); #expect(got == .unauthorized) } }
            do { let got = try await Self.attempt(client, login: "admin", password: password, ip: "10.88.0.1"); #expect(got == .tooManyRequests) }
            do { let got = try await Self.attempt(client, login: "admin", password: password, ip: "10.0.0.1"); #expect(got == .ok) }
            // Per address, across logins.
            for login in ["u1", "u2", "u3", "u4", "u5"] {
                do { let got = try await Self.attempt(client, login: login, password: "x-wrong-pass", ip: "10.9.9.9"); #expect(got == .unauthorized) }
            }
            do { let got = try await Self.attempt(client, login: "cliente", password: TestSecrets.passwords["cliente"]!, ip: "10.9.9.9"); #expect(got == .tooManyRequests) }
            do { let got = try await Self.attempt(client, login: "cliente", password: TestSecrets.passwords["cliente"]!, ip: "10.0.0.8"); #expect(got == .ok) }
        }
    }

    static let bypasses = ["//evil.example/", "/\\evil.example/", "/%09/evil.example/", "\\/\\/evil.example/", "/\t/evil.example/",
                           "/\n/evil.example", "/\r\nLocation: https://evil.example", "/\u{0}/evil", "https://evil.example/",
                           "http:/evil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "/./evil", "/../evil", "/mensajes/../..//evil",
                           "///evil.example", "/\u{3000}/evil", "javascript:alert(1)", "/mensajes/1x", "/ingresar", "/api/session",
                           "/healthz", " /mensajes", "/mensajes?x=\"><script>", "/mensajes?next=//evil"]

    @Test func siguienteAcceptsOnlyConsolePages() {
        for bad in Self.bypasses {
            #expect(LoginController.safeNext(bad) == "/", "accepted \(bad.debugDescription)")
        }
        for good in ["/", "/mensajes", "/mensajes/42", "/configuracion/plantillas", "/mensajes?cliente=C001&pagina=2", "/mensajes?desde=2026-01-01"] {
            #expect(LoginController.safeNext(good) == good)
        }
    }

    @Test func loginFormRedirectsOnlyToConsolePages() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            for next in Self.bypasses.prefix(6) + ["/mensajes"] {
                let body = "login=admin&password=\(TestSecrets.passwords["admin"]!)&siguiente=" + WebhookRouteTests.formEscape(next)
                try await client.execute(uri: "/ingresar", method: .post,
                                         headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Forwarded-For")!: "10.2.2.2"],
                                         body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .seeOther)
                    // Anything else goes to the start page (issue 13: `/` picks it per role).
                    #expect(response.headers[.location] == (next == "/mensajes" ? "/mensajes" : "/"))
                }
            }
        }
    }

    /// The test-send page's "volver" link uses the same check.
    @Test func testSendBackLinkStaysOnTheConsole() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let session = try await client.consoleLogin("admin")
            for back in ["/%09/evil.example/", "//evil.example", "/\\evil"] {
                let answer = try await client.console("/mensajes/prueba", method: .post, session: session,
                                                      form: [("cliente", "C001"), ("simulacion", "1"), ("volver", back)])
                #expect(!answer.body.contains("evil"), "volver kept \(back)")
                #expect(answer.body.contains("href=\"/mensajes\""))
            }
        }
    }

    /// Behind a proxy the address is the one the proxy appended (right-most), or the one the
    /// farthest of N trusted proxies appended.
    @Test func forwardedForTakesTheEntryTheProxyAppended() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let auth = AuthController(users: SQLiteUserDirectory(store: env.store), sessions: env.parts.sessions, throttle: env.parts.throttle,
                                  arguments: env.arguments, metrics: env.parts.metrics)
        func address(_ values: [String], hops: Int = 1, trust: Bool = true) -> String {
            var fields = HTTPFields()
            for v in values { fields.append(HTTPField(name: AuthController.forwardedFor, value: v)) }
            let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/login", headerFields: fields),
                                  body: RequestBody(buffer: ByteBuffer()))
            var arguments = env.arguments
            arguments.trustForwardedFor = trust
            arguments.forwardedHops = hops
            let a = AuthController(users: auth.users, sessions: auth.sessions, throttle: auth.throttle, arguments: arguments, metrics: auth.metrics)
            return a.clientAddress(request, peer: "192.0.2.9")
        }
        #expect(address(["6.6.6.6, 203.0.113.7"]) == "203.0.113.7")
        #expect(address(["6.6.6.6", "203.0.113.7"]) == "203.0.113.7")
        #expect(address(["6.6.6.6, 203.0.113.7, 10.0.0.2"], hops: 2) == "203.0.113.7")
        #expect(address(["203.0.113.7"], hops: 2) == "192.0.2.9")
        #expect(address(["not-an-ip"]) == "192.0.2.9")
        #expect(address(["6.6.6.6, 203.0.113.7"], trust: false) == "192.0.2.9")
        #expect(address(["2001:db8::1"]) == "2001:db8::1")
        #expect(AppArguments.fromEnvironment(host: "h", port: 1, environment: ["AVISO_TRUST_PROXY": "2"]).forwardedHops == 2)
        #expect(!AppArguments.fromEnvironment(host: "h", port: 1, environment: ["AVISO_TRUST_PROXY": "99"]).trustForwardedFor)
    }
}
