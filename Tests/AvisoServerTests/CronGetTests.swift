import AvisoLedger
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The lender's cron host calls `api/notifications/run` and `reactivate` with GET and
/// `Authorization: Bearer $CRON_SECRET`. Only that bearer may make the GET act.
@Suite struct CronGetTests {
    @Test func getWithTheBearerSecretRunsAndReactivates() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            try await client.execute(uri: "/api/notifications/run", method: .get, headers: [.authorization: "Bearer \(TestSecrets.cronSecret)"]) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(obj(response.body)["kind"] as? String == "run")
            }
            try await client.execute(uri: "/api/notifications/reactivate?dryRun=true", method: .get,
                                     headers: [.authorization: "Bearer \(TestSecrets.cronSecret)"]) { response in
                #expect(response.status == .ok)
                #expect(obj(response.body)["kind"] as? String == "reactivate")
            }
        }
        #expect(env.actions.recorded.map(\.kind) == ["run", "reactivate"])
        #expect(env.actions.recorded.map(\.actor) == ["cron", "cron"])
        #expect(env.actions.recorded.map(\.dryRun) == [false, true])
    }

    @Test func aSessionCookieNeverTriggersTheGet() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.login("admin")
            for uri in ["/api/notifications/run", "/api/notifications/reactivate"] {
                try await client.execute(uri: uri, method: .get, headers: .session(admin)) { response in
                    #expect(response.status == .forbidden, "\(uri): \(response.status)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.cookie: admin.cookie]) { #expect($0.status == .forbidden) }
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(TestSecrets.cronSecret)-wrong"]) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Basic \(TestSecrets.cronSecret)"]) {
                    #expect($0.status == .unauthorized)
                }
            }
            // POST keeps working as before for an admin session.
            try await client.execute(uri: "/api/notifications/run?dryRun=true", method: .post, headers: .session(admin)) { #expect($0.status == .ok) }
        }
        #expect(env.actions.recorded.map(\.kind) == ["run"])
    }

    @Test func withoutASecretConfiguredTheGetIsRefused() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        var arguments = env.arguments
        arguments.cronSecret = nil
        let app = buildApplication(arguments, store: env.store, actions: env.actions, logger: env.logs.logger(), parts: env.parts)
        try await app.test(.router) { client in
            for bearer in [TestSecrets.cronSecret, "", "null"] {
                try await client.execute(uri: "/api/notifications/run", method: .get, headers: [.authorization: "Bearer \(bearer)"]) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
        #expect(env.actions.recorded.isEmpty)
    }
}
