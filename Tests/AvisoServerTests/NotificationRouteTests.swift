import AvisoLedger
import AvisoProjections
import AvisoScheduler
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite struct NotificationRouteTests {
    @Test func previewRendersWithoutAppending() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = Mutex<UInt64>(0)
        try await env.test { client in
            let admin = try await client.login("admin")
            // Signing in is recorded (SessionStarted); previewing must add nothing after it.
            before.withLock { $0 = env.head }
            try await client.execute(uri: "/api/notifications/preview?stage=D-2&clientId=C001&channel=whatsapp", method: .get,
                                     headers: .session(admin)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = obj(response.body)
                #expect((body["text"] as? String)?.contains("María José López") == true)
                #expect(body["channel"] as? String == "whatsapp")
                #expect(body["provider"] as? String == "dry-run")
                #expect(body["to"] as? String == Masking.phone("+50255551234"))
                // Issue 13: a WhatsApp message has no SMS alphabet or parts.
                #expect(body["encoding"] == nil)
                #expect(body["segments"] == nil)
                #expect(body["characters"] == nil)
                #expect((body["variables"] as? [String: String])?["nombre"] == "María José López")
                let template = body["whatsappTemplate"] as? [String: Any]
                #expect(template?["name"] as? String == "recordatorio_pago_d2")
                #expect((template?["parameters"] as? [String])?.first == "María José López")
            }
            try await client.execute(uri: "/api/notifications/preview?stage=WEEKLY_2&clientId=C002&channel=sms", method: .get,
                                     headers: .session(admin)) { response in
                #expect(response.status == .ok || response.status == .unprocessableContent, "\(String(buffer: response.body))")
                #expect(obj(response.body)["whatsappTemplate"] == nil)
            }
            // Default channel: the client's preferred one (C002 prefers sms).
            try await client.execute(uri: "/api/notifications/preview?stage=TEST&clientId=C002", method: .get, headers: .session(admin)) { response in
                #expect(response.status == .ok)
                #expect(obj(response.body)["channel"] as? String == "sms")
            }
            try await client.execute(uri: "/api/notifications/preview?stage=D-2&clientId=NOPE&channel=sms", method: .get, headers: .session(admin)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/notifications/preview?stage=D-7&clientId=C001&channel=sms", method: .get, headers: .session(admin)) {
                #expect($0.status == .badRequest)
                #expect(errorCode($0.body) == "unknown_stage")
            }
            try await client.execute(uri: "/api/notifications/preview?stage=D-2&clientId=C001&channel=fax", method: .get, headers: .session(admin)) {
                #expect($0.status == .badRequest)
                #expect(errorCode($0.body) == "unknown_channel")
            }
        }
        #expect(env.head == before.withLock { $0 })
    }

    @Test func smsPreviewShowsEncodingSegmentsAndCostFactor() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.login("admin")
            // C003, Ana Lucía Chávez, has a payment link: accents in the name, one GSM-7 part all the same.
            try await client.execute(uri: "/api/notifications/preview?stage=D-1&clientId=C003&channel=sms", method: .get,
                                     headers: .session(admin)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = obj(response.body)
                #expect((body["text"] as? String)?.contains("Ana Lucia Chavez") == true, "\(body)")
                let sms = try #require(body["sms"] as? [String: Any])
                #expect(sms["encoding"] as? String == "GSM-7")
                #expect(sms["segments"] as? Int == 1)
                #expect(sms["costFactor"] as? Double == 1)
                #expect(body["encoding"] as? String == "GSM-7")
            }
            try await client.execute(uri: "/api/notifications/preview?stage=D-1&clientId=C003&channel=whatsapp", method: .get,
                                     headers: .session(admin)) { response in
                #expect(obj(response.body)["sms"] == nil, "SMS cost is for SMS only")
            }
        }
    }

    @Test func previewRenderErrorNamesTheVariable() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        // A client with no installment has nothing to remind: said in words, not a missing variable.
        try await env.store.append(.clientUpserted(ClientUpserted(id: "C900", name: "Sin Cuotas", phone: "5555 9999", phoneCountryCode: "GT",
                                                                  advisor: "Ana Pérez", preferredChannel: .sms)), actor: "test")
        // A template that uses a variable the stage's context never fills (no payment link for C002).
        try await env.store.append(.templateChanged(TemplateChanged(stage: "D-2", channel: .sms,
                                                                    body: "Pague aquí: {{link_pago}} ({{monto}})")), actor: "test")
        try await env.test { client in
            let admin = try await client.login("admin")
            try await client.execute(uri: "/api/notifications/preview?stage=D-2&clientId=C900&channel=sms", method: .get, headers: .session(admin)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorCode(response.body) == "nothing_to_remind")
            }
            try await client.execute(uri: "/api/notifications/preview?stage=D-2&clientId=C002&channel=sms", method: .get, headers: .session(admin)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(errorCode(response.body) == "render_error")
                let message = (obj(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("{{link_pago}}"), "\(message)")
            }
        }
    }

    @Test func clientScopes() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let cliente = try await client.login("cliente")
            try await client.execute(uri: "/api/notifications/preview?stage=TEST&clientId=C001", method: .get, headers: .session(cliente)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/notifications/preview?stage=TEST&clientId=C002", method: .get, headers: .session(cliente)) {
                #expect($0.status == .forbidden)
            }
            // C003's advisor is Luis Morales: not Ana Pérez's client.
            let asesor = try await client.login("asesor")
            try await client.execute(uri: "/api/notifications/preview?stage=TEST&clientId=C003", method: .get, headers: .session(asesor)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(asesor),
                                     body: ByteBuffer(string: #"{"clientId":"C003","dryRun":true}"#)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(asesor),
                                     body: ByteBuffer(string: #"{"clientId":"C001","stage":"D-2","channel":"sms","dryRun":true}"#)) { response in
                #expect(response.status == .ok)
                #expect(obj(response.body)["status"] as? String == "sent")
            }
            let otro = try await client.login("otroasesor")
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(otro),
                                     body: ByteBuffer(string: #"{"clientId":"C003"}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(otro),
                                     body: ByteBuffer(string: #"{"clientId":"C003","stage":"D-9"}"#)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(otro),
                                     body: ByteBuffer(string: #"{"client":"C003"}"#)) { #expect($0.status == .badRequest) }
        }
        let tests = env.actions.recorded.filter { $0.kind == "test" }
        #expect(tests.count == 2)
        #expect(tests[0].test == TestSendRequest(clientId: "C001", stage: "D-2", channel: .sms, dryRun: true))
        #expect(tests[0].actor.hasPrefix("user:u-"))
    }

    @Test func quietHoursWarnButDoNotBlockATest() {
        var settings = MessagingSettings.defaults
        settings.timeZone = "UTC"
        settings.quietHoursStart = "20:00"
        settings.quietHoursEnd = "08:00"
        let night = Date(timeIntervalSince1970: 1_750_000_000 - 15 * 3600 + 22 * 3600) // 22:06 UTC
        #expect(settings.quietHours.isQuiet(at: night, in: settings.zone))
        #expect(!settings.quietHours.isQuiet(at: Date(timeIntervalSince1970: 1_750_000_000), in: settings.zone)) // 15:06 UTC
    }
}

@Suite struct PortfolioRouteTests {
    @Test func putClientValidatesAndAppendsLikeImport() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let before = env.head
            let body = #"{"name":"Nuevo Cliente","phone":"5555 0000","phoneCountryCode":"GT","advisor":"Ana Pérez","preferredChannel":"sms"}"#
            try await client.execute(uri: "/api/clients/C777", method: .put, headers: .cron, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(obj(response.body)["changed"] as? Bool == true)
            }
            // Same again: unchanged, nothing appended.
            try await client.execute(uri: "/api/clients/C777", method: .put, headers: .cron, body: ByteBuffer(string: body)) { response in
                #expect(obj(response.body)["changed"] as? Bool == false)
            }
            #expect(env.head == before + 1)
            // Invalid: 422 naming the field; malformed: 400; nothing appended.
            try await client.execute(uri: "/api/clients/C778", method: .put, headers: .cron,
                                     body: ByteBuffer(string: #"{"name":"X","phone":"5555 0000","preferred_channel":"fax"}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(((obj(response.body)["error"] as? [String: Any])?["message"] as? String)?.hasPrefix("preferred_channel") == true)
            }
            try await client.execute(uri: "/api/clients/C778", method: .put, headers: .cron, body: ByteBuffer(string: "{not json")) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/installments/I-9", method: .put, headers: .cron,
                                     body: ByteBuffer(string: #"{"client_id":"NOPE","loan_id":"L","number":1,"due_date":"2030-01-01","amount":"10"}"#)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/installments/I-9", method: .put, headers: .cron,
                                     body: ByteBuffer(string: #"{"client_id":"C777","loan_id":"L","number":1,"due_date":"2030-02-30","amount":"10"}"#)) {
                #expect($0.status == .unprocessableContent)
            }
            #expect(env.head == before + 1)
            try await client.execute(uri: "/api/installments/I-9", method: .put, headers: .cron,
                                     body: ByteBuffer(string: #"{"clientId":"C777","loanId":"L","number":1,"dueDate":"2030-01-01","amount":"10.50"}"#)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/installments/I-9/paid", method: .post, headers: .cron,
                                     body: ByteBuffer(string: #"{"paidOn":"2030-01-02"}"#)) { response in
                #expect(response.status == .ok)
                #expect(obj(response.body)["changed"] as? Bool == true)
            }
            try await client.execute(uri: "/api/installments/I-9/paid", method: .post, headers: .cron) { response in
                #expect(obj(response.body)["changed"] as? Bool == false)
            }
            try await client.execute(uri: "/api/installments/NOPE/paid", method: .post, headers: .cron) { #expect($0.status == .notFound) }
            #expect(env.head == before + 3)
        }
        let installment = try env.store.read { try InstallmentRecord.fetchOne($0, key: "I-9") }
        #expect(installment?.amountMinor == 1050)
        #expect(installment?.status == "paid")
        #expect(installment?.paidOn == "2030-01-02")
    }
}

@Suite struct BootstrapTests {
    @Test func firstStartCreatesAdminAndTemplates() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let report = try await ServerBootstrap.prepare(store: env.store, fixtures: .embedded, demo: false,
                                                       adminPassword: nil, bcryptCost: 4, logger: env.logs.logger())
        #expect(report.templatesLoaded == 22)  // 11 stages (VARIAS_CUOTAS included) × 2 channels
        #expect(report.accounts.map(\.login) == ["admin"])
        let password = try #require(report.accounts.first?.oneTimePassword)
        // Second start: nothing more.
        let again = try await ServerBootstrap.prepare(store: env.store, fixtures: .embedded, demo: true,
                                                      adminPassword: nil, bcryptCost: 4, logger: env.logs.logger())
        #expect(again.templatesLoaded == 0 && again.accounts.isEmpty)
        // The ledger holds a hash, never the password.
        let payloads = try env.store.ledger.records(after: 0, limit: 1000).map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(!payloads.contains { $0.contains(password) })
        #expect(payloads.contains { $0.contains("$2b$") || $0.contains("$2a$") || $0.contains("$2y$") })
        env.assertLogsClean([password])
    }

    @Test func demoStartImportsAndCreatesThreeAccounts() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let report = try await ServerBootstrap.prepare(store: env.store, fixtures: .embedded, demo: true,
                                                       adminPassword: nil, bcryptCost: 4, logger: env.logs.logger())
        #expect(report.demoImported?.clientsChanged ?? 0 > 0)
        #expect(report.accounts.map(\.role) == [.admin, .asesor, .cliente])
        #expect(report.accounts.allSatisfy { $0.oneTimePassword != nil })
        let cliente = try env.store.read { try UserRecord.filter(Column("login") == "cliente").fetchOne($0) }
        #expect(cliente?.clientId == "C001")
        // Those passwords work.
        try await env.app.test(.router) { client in
            for account in report.accounts {
                _ = try await client.login(account.login, password: account.oneTimePassword!)
            }
        }
        env.assertLogsClean(report.accounts.compactMap(\.oneTimePassword))
    }

    @Test func metricsExposition() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let raw = WhatsAppFixtures.batch([("wamid.Q", "sent", 1)])
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw), body: ByteBuffer(string: raw)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"aviso_webhook_events_total{provider="whatsapp",status="sent"} 1"#))
                #expect(text.contains(#"aviso_http_requests_total{method="POST",route="/api/webhooks/whatsapp",status="200"} 1"#))
                #expect(text.contains("aviso_ledger_position "))
                #expect(text.contains("aviso_projection_lag_records "))
                // aviso_messages and aviso_sends: MetricsTests (a series appears once it has rows).
            }
        }
    }
}
