import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route × every caller: allowed or denied as `AccessPolicy.table` says.
@Suite struct AccessRouteTests {
    enum Who: String, CaseIterable { case anonymous, admin, asesor, cliente, cron }

    struct Probe {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var allowed: Set<Who>
    }

    /// Requests that succeed for an allowed caller (status < 400).
    static let probes: [Probe] = [
        Probe(method: .get, uri: "/healthz", allowed: Set(Who.allCases)),
        Probe(method: .get, uri: "/metrics", allowed: Set(Who.allCases)),
        Probe(method: .get, uri: "/api/session", allowed: [.admin, .asesor, .cliente]),
        Probe(method: .get, uri: "/api/notifications/preview?stage=D-2&clientId=C001&channel=sms", allowed: [.admin, .asesor, .cliente]),
        Probe(method: .post, uri: "/api/notifications/test", body: #"{"clientId":"C001","dryRun":true}"#, allowed: [.admin, .asesor]),
        Probe(method: .post, uri: "/api/notifications/run?dryRun=true", allowed: [.admin, .cron]),
        Probe(method: .post, uri: "/api/notifications/reactivate?dryRun=true", allowed: [.admin, .cron]),
        // The cron host's GET: the bearer secret only, never a session (a GET must not act on a cookie).
        Probe(method: .get, uri: "/api/notifications/run?dryRun=true", allowed: [.cron]),
        Probe(method: .get, uri: "/api/notifications/reactivate?dryRun=true", allowed: [.cron]),
        Probe(method: .put, uri: "/api/clients/C001",
              body: #"{"name":"María José López","phone":"5555-1234","phone_country_code":"GT","advisor":"Ana Pérez","preferred_channel":"whatsapp","payment_link":"https://pagos.example.gt/c001"}"#,
              allowed: [.admin, .cron]),
        Probe(method: .put, uri: "/api/installments/I-API-1",
              body: #"{"client_id":"C001","loan_id":"L-API","number":1,"due_date":"2030-01-15","amount":"150.00"}"#, allowed: [.admin, .cron]),
        Probe(method: .post, uri: "/api/installments/I-API-1/paid", body: "{}", allowed: [.admin, .cron]),
        Probe(method: .post, uri: "/logout", allowed: [.admin, .asesor, .cliente]),
    ]

    @Test func everyRouteHasARuleAndEveryRuleIsProbed() {
        let probed = Set(Self.probes.map { p in
            AccessPolicy.table.keys.first { key in
                let parts = key.split(separator: " ", maxSplits: 1)
                guard parts[0] == p.method.rawValue else { return false }
                let pattern = "^" + parts[1].replacingOccurrences(of: "{id}", with: "[^/]+") + "$"
                return p.uri.split(separator: "?")[0].range(of: pattern, options: .regularExpression) != nil
            }
        }.compactMap { $0 })
        let webhooksAndLogin: Set<String> = ["POST /login", "POST /api/webhooks/twilio", "GET /api/webhooks/whatsapp", "POST /api/webhooks/whatsapp"]
        // The API part of the table (console pages, a later issue, test their own lines).
        let apiRules = Set(AccessPolicy.table.keys.filter { key in
            let path = key.split(separator: " ")[1]
            return path.hasPrefix("/api/") || ["/login", "/logout", "/healthz", "/metrics"].contains(String(path))
        })
        #expect(probed.union(webhooksAndLogin) == apiRules)
    }

    @Test(arguments: Who.allCases)
    func rolesTable(_ who: Who) async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            for probe in Self.probes {
                var headers: HTTPFields = [.contentType: "application/json"]
                switch who {
                case .anonymous: break
                case .cron: headers = .cron
                case .admin, .asesor, .cliente: headers = .session(try await client.login(who.rawValue))
                }
                try await client.execute(uri: probe.uri, method: probe.method, headers: headers,
                                         body: probe.body.map { ByteBuffer(string: $0) }) { response in
                    if probe.allowed.contains(who) {
                        #expect(response.status.code < 400, "\(who) \(probe.method) \(probe.uri) → \(response.status) \(String(buffer: response.body))")
                    } else {
                        let expected: HTTPResponse.Status = who == .anonymous ? .unauthorized : (who == .cron ? .unauthorized : .forbidden)
                        #expect(response.status == expected, "\(who) \(probe.method) \(probe.uri) → \(response.status)")
                        #expect(errorCode(response.body) != nil)
                    }
                }
            }
        }
    }

    @Test func unknownRouteIsJSON404() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        try await env.test { client in
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(errorCode(response.body) == "not_found")
            }
        }
    }

    @Test func csrfIsRequiredForSessionWrites() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let session = try await client.login("admin")
            try await client.execute(uri: "/api/notifications/run?dryRun=true", method: .post, headers: [.cookie: session.cookie]) { response in
                #expect(response.status == .forbidden)
                #expect(errorCode(response.body) == "csrf")
            }
            var wrong = HTTPFields.session(session)
            wrong[HTTPField.Name("X-CSRF-Token")!] = "wrong"
            try await client.execute(uri: "/api/notifications/run?dryRun=true", method: .post, headers: wrong) { #expect($0.status == .forbidden) }
            // A form post may carry the token as a field.
            try await client.execute(uri: "/logout", method: .post,
                                     headers: [.cookie: session.cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)")) { #expect($0.status == .ok) }
        }
        #expect(env.actions.recorded.isEmpty)
    }

    @Test func cronSecret() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            try await client.execute(uri: "/api/notifications/run?dryRun=true", method: .post, headers: .cron) { response in
                #expect(response.status == .ok)
                let body = obj(response.body)
                #expect(body["kind"] as? String == "run")
                #expect(body["dryRun"] as? Bool == true)
            }
            try await client.execute(uri: "/api/notifications/reactivate", method: .post, headers: .cron) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/notifications/run", method: .post,
                                     headers: [.authorization: "Bearer \(TestSecrets.cronSecret)x"]) { response in
                #expect(response.status == .unauthorized)
            }
            // The cron secret opens only the routes that accept it.
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .cron,
                                     body: ByteBuffer(string: #"{"clientId":"C001"}"#)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/notifications/run?dryRun=maybe", method: .post, headers: .cron) { #expect($0.status == .badRequest) }
        }
        #expect(env.actions.recorded.map(\.kind) == ["run", "reactivate"])
        #expect(env.actions.recorded.map(\.actor) == ["cron", "cron"])
        #expect(env.actions.recorded.map(\.dryRun) == [true, false])
    }

    @Test func loginSessionLogout() async throws {
        let env = try await TestEnvironment.make(publicURL: "https://aviso.example.gt")
        defer { env.cleanUp() }
        let sessionSecrets = try await env.app.test(.router) { client in
            let body = #"{"login":"Admin","password":"\#(TestSecrets.passwords["admin"]!)"}"#
            let session = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/json"],
                                                   body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let cookie = response.headers[.setCookie] ?? ""
                #expect(cookie.contains("HttpOnly"))
                #expect(cookie.contains("SameSite=Lax"))
                #expect(cookie.contains("Secure"))
                #expect(cookie.contains("Max-Age="))
                #expect(!String(buffer: response.body).contains("password"))
                return (String(cookie.split(separator: ";")[0]), obj(response.body)["csrfToken"] as? String ?? "")
            }
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: session.0]) { response in
                #expect(response.status == .ok)
                #expect((obj(response.body)["user"] as? [String: Any])?["role"] as? String == "admin")
            }
            try await client.execute(uri: "/logout", method: .post, headers: .session(session)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: session.0]) { #expect($0.status == .unauthorized) }
            // Form login works too.
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "login=asesor&password=\(TestSecrets.passwords["asesor"]!)")) { #expect($0.status == .ok) }
            return [String(session.0.split(separator: "=")[1]), session.1]
        }
        env.assertLogsClean(sessionSecrets)
    }

    @Test func sessionsExpire() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let sessions = SessionStore(log: StoreAuthLog(store: env.store, projector: env.parts.projector), lifetime: 60)
        let start = Date()
        let s = try await sessions.create(userId: "u1", now: start)
        #expect(try await sessions.lookup(s.id, now: start.addingTimeInterval(59)) != nil)
        #expect(try await sessions.lookup(s.id, now: start.addingTimeInterval(61)) == nil)
        #expect(try await sessions.lookup("not-a-session", now: start) == nil)
    }

    @Test func loginThrottledPerLoginAndPerAddress() async throws {
        let env = try await TestEnvironment.make(throttle: LoginThrottle.Limits(maxFailures: 3, maxFailuresPerAddress: 5, window: 600))
        defer { env.cleanUp() }
        @Sendable func attempt(_ client: any TestClientProtocol, login: String, password: String, ip: String) async throws -> HTTPResponse.Status {
            let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": password])
            return try await client.execute(uri: "/login", method: .post,
                                            headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: ip],
                                            body: ByteBuffer(bytes: body)) { response in
                if response.status == .tooManyRequests {
                    #expect(response.headers[.retryAfter] != nil)
                    #expect(errorCode(response.body) == "too_many_attempts")
                }
                return response.status
            }
        }
        try await env.test { client in
            // Per (login, address): three failures lock the login at that address, even with the
            // right password; from another address the owner still signs in.
            for _ in 0..<3 {
                do { let status = try await attempt(client, login: "admin", password: "wrong-guess-123", ip: "10.0.0.3"); #expect(status == .unauthorized) }
            }
            do { let status = try await attempt(client, login: "admin", password: TestSecrets.passwords["admin"]!, ip: "10.0.0.3"); #expect(status == .tooManyRequests) }
            do { let status = try await attempt(client, login: "admin", password: TestSecrets.passwords["admin"]!, ip: "10.0.0.4"); #expect(status == .ok) }
            // Another login from another address is unaffected.
            do { let status = try await attempt(client, login: "asesor", password: TestSecrets.passwords["asesor"]!, ip: "10.0.0.9"); #expect(status == .ok) }
            // Per address: five failures on different logins lock the address.
            for login in ["u1", "u2", "u3", "u4", "u5"] {
                do { let status = try await attempt(client, login: login, password: "x-wrong-pass", ip: "10.9.9.9"); #expect(status == .unauthorized) }
            }
            do { let status = try await attempt(client, login: "cliente", password: TestSecrets.passwords["cliente"]!, ip: "10.9.9.9"); #expect(status == .tooManyRequests) }
            do { let status = try await attempt(client, login: "cliente", password: TestSecrets.passwords["cliente"]!, ip: "10.0.0.8"); #expect(status == .ok) }
        }
    }
}
