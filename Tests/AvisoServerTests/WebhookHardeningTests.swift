import AvisoLedger
@testable import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9: webhooks never append what Aviso cannot read back, fail closed without their
/// secret, and take each status once however often it is sent.
@Suite struct WebhookHardeningTests {
    static let whatsappPath = "/api/webhooks/whatsapp"
    static let twilioPath = WebhookRouteTests.twilioPath

    /// A WhatsApp status batch whose timestamps are given as raw JSON strings.
    static func batch(_ statuses: [(id: String, status: String, timestamp: String)]) -> String {
        let items = statuses.map { s in
            let escaped = s.timestamp.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return #"{"id":"\#(s.id)","status":"\#(s.status)","timestamp":"\#(escaped)","recipient_id":"50255551234"}"#
        }
        return #"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"statuses":[\#(items.joined(separator: ","))]}}]}]}"#
    }

    static let badTimestamps = ["nan", "NaN", "-inf", "inf", "1e300", "-70000000000", "70000000000", "1.5", " 1751142888", "+1751142888",
                                "0x10", "", "17511428880000000000000", "7258118401", "١٧٥١١٤٢٨٨٨"]

    /// Every bad timestamp is refused with its reason, the good status in the same batch is
    /// appended, and everything in the ledger still decodes (the data directory stays readable).
    @Test func unreadableTimestampsAreRefusedAndTheLedgerStaysReadable() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let statuses = Self.badTimestamps.enumerated().map { (id: "wamid.T\($0.offset)", status: "delivered", timestamp: $0.element) }
            + [(id: "wamid.OK", status: "read", timestamp: "1751142888")]
        let raw = Self.batch(statuses)
        try await env.test { client in
            try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { response in
                #expect(response.status == .ok)
                let answer = obj(response.body)
                #expect(answer["appended"] as? Int == 1)
                let refused = answer["refused"] as? [[String: Any]] ?? []
                #expect(refused.count == Self.badTimestamps.count)
                #expect(refused.allSatisfy { ($0["reason"] as? String)?.contains("timestamp") == true })
            }
        }
        #expect(env.head == before + 1)
        // Every record decodes, and every provider time is a readable 1970–2200 instant.
        for event in try env.ledgerEvents() {
            if case let .deliveryStatusReceived(e) = event, let time = e.providerTime {
                #expect(time.timeIntervalSince1970 >= 0 && time.timeIntervalSince1970 <= 7_258_118_400)
                #expect(Timestamps.parseUTC(Timestamps.utc(time)) == time)
            }
        }
        #expect(throws: Never.self) { try env.store.ledger.verifyChain() }
        try env.store.catchUp()
        #expect(try env.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_statuses") } == 1)
    }

    @Test func strictFieldParsing() throws {
        for bad in Self.badTimestamps {
            #expect(throws: WebhookFields.Refusal.self, "timestamp \(bad)") { try WebhookFields.unixSeconds(bad, field: "t") }
        }
        #expect(try WebhookFields.unixSeconds("0", field: "t") == Date(timeIntervalSince1970: 0))
        #expect(try WebhookFields.unixSeconds("7258118400", field: "t") == Date(timeIntervalSince1970: 7_258_118_400))
        for bad in ["", "a b", String(repeating: "x", count: 257), "id\n", "wamid.\u{7F}", "ñ"] {
            #expect(throws: WebhookFields.Refusal.self) { try WebhookFields.messageId(bad, field: "id") }
        }
        for bad in ["1e5", "-1", "131026 ", String(repeating: "9", count: 17), "<b>", "1.0", "x"] {
            #expect(throws: WebhookFields.Refusal.self) { try WebhookFields.errorCode(bad, field: "code") }
        }
        #expect(WebhookFields.e164("whatsapp:+50255551234") == "+50255551234")
        for bad in ["50255551234", "+502 5555", "+1234567", "+1234567890123456", "+5025555123x", "tel:+50255551234"] {
            #expect(WebhookFields.e164(bad) == nil)
        }
    }

    @Test func twilioFieldsThatCannotBeStoredAreRefused() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let cases: [[(String, String)]] = [
            [("MessageSid", "SM bad id"), ("MessageStatus", "sent")],
            [("MessageSid", "SMx"), ("MessageStatus", "failed"), ("ErrorCode", "1e300")],
            [("MessageSid", String(repeating: "S", count: 300)), ("MessageStatus", "sent")],
            [("MessageSid", "SMy"), ("SmsStatus", "received"), ("From", "not a number"), ("Body", "BAJA")],
            [("MessageSid", "SMz"), ("MessageStatus", String(repeating: "nope", count: 100))],
        ]
        try await env.test { client in
            for pairs in cases {
                try await client.execute(uri: Self.twilioPath, method: .post, headers: WebhookRouteTests.twilioHeaders(pairs),
                                         body: ByteBuffer(string: WebhookRouteTests.form(pairs))) { response in
                    #expect(response.status == .badRequest)
                    #expect(errorCode(response.body) == "invalid_callback")
                }
            }
        }
        #expect(env.head == before)
    }

    // MARK: Fail closed

    @Test func whatsappWithoutItsSecretAnswers503AndAppendsNothing() async throws {
        let env = try await TestEnvironment.make(signed: false)
        defer { env.cleanUp() }
        let before = env.head
        let raw = WhatsAppFixtures.batch([("wamid.U", "delivered", 1)])
        try await env.test { client in
            for headers in [WhatsAppFixtures.headers(raw), [.contentType: "application/json"] as HTTPFields] {
                try await client.execute(uri: Self.whatsappPath, method: .post, headers: headers, body: ByteBuffer(string: raw)) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(errorCode(response.body) == "webhook_not_configured")
                    #expect(String(buffer: response.body).contains("WHATSAPP_APP_SECRET"))
                }
            }
        }
        #expect(env.head == before)
    }

    @Test func twilioWithoutItsSecretAnswers503AndAppendsNothing() async throws {
        let env = try await TestEnvironment.make(signed: false)
        defer { env.cleanUp() }
        let before = env.head
        let pairs = [("MessageSid", "SMunsigned"), ("SmsStatus", "received"), ("From", "+50255551234"), ("Body", "BAJA")]
        try await env.test { client in
            try await client.execute(uri: Self.twilioPath, method: .post, headers: WebhookRouteTests.twilioHeaders(pairs),
                                     body: ByteBuffer(string: WebhookRouteTests.form(pairs))) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(errorCode(response.body) == "webhook_not_configured")
                #expect(String(buffer: response.body).contains("TWILIO_AUTH_TOKEN"))
            }
        }
        #expect(env.head == before)
    }

    @Test func insecureSwitchAcceptsUnsignedAndSaysSoLoudly() async throws {
        let arguments = AppArguments.fromEnvironment(host: "127.0.0.1", port: 0, environment: ["AVISO_INSECURE_UNSIGNED_WEBHOOKS": "1"])
        #expect(arguments.insecureUnsignedWebhooks)
        #expect(arguments.insecureWebhookBanner?.contains("INSECURE") == true)
        #expect(AppArguments.fromEnvironment(host: "h", port: 1, demo: true, environment: [:]).insecureUnsignedWebhooks)
        #expect(!AppArguments.fromEnvironment(host: "h", port: 1, environment: ["AVISO_INSECURE_UNSIGNED_WEBHOOKS": "yes"]).insecureUnsignedWebhooks)
        #expect(AppArguments.fromEnvironment(host: "h", port: 1, environment: [:]).insecureWebhookBanner == nil)

        var env = try await TestEnvironment.make(signed: false)
        defer { env.cleanUp() }
        env = env.with(arguments: { $0.insecureUnsignedWebhooks = true })
        let before = env.head
        let raw = WhatsAppFixtures.batch([("wamid.DEV", "sent", 1)])
        let pairs = [("MessageSid", "SMdev"), ("MessageStatus", "sent")]
        try await env.test { client in
            try await client.execute(uri: Self.whatsappPath, method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            try await client.execute(uri: Self.twilioPath, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: WebhookRouteTests.form(pairs))) { #expect($0.status == .ok) }
        }
        #expect(env.head == before + 2)
        #expect(env.logs.all.contains { $0.contains("\"critical\"") && $0.contains("INSECURE") })
        try await env.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect((obj(response.body)["webhooks"] as? [String: Any])?["unsignedAccepted"] as? Bool == true)
            }
        }
    }

    // MARK: Idempotent and bounded

    @Test func retriedStatusesAppendNothingAcrossRequestsAndRestarts() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let raw = WhatsAppFixtures.batch([("wamid.R1", "delivered", 20), ("wamid.R1", "read", 30)])
        let twilio = [("MessageSid", "SMr1"), ("MessageStatus", "delivered"), ("To", "+50255551234")]
        let twilioHeaders: HTTPFields = {
            var headers = WebhookRouteTests.twilioHeaders(twilio)
            headers[HTTPField.Name("I-Twilio-Idempotency-Token")!] = "retry-token-1"
            return headers
        }()
        let inbound = WhatsAppFixtures.inbound([("50255551234", "BAJA", 1_750_000_000)])
        let before = env.head
        try await env.test { client in
            for round in 0..<3 {
                try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(raw),
                                         body: ByteBuffer(string: raw)) { response in
                    #expect(response.status == .ok)
                    #expect(obj(response.body)["duplicates"] as? Int == (round == 0 ? 0 : 2))
                }
                try await client.execute(uri: Self.twilioPath, method: .post, headers: twilioHeaders,
                                         body: ByteBuffer(string: WebhookRouteTests.form(twilio))) { #expect($0.status == .ok) }
                try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(inbound),
                                         body: ByteBuffer(string: inbound)) { #expect($0.status == .ok) }
            }
        }
        // Two statuses, one Twilio status, one inbound message and its opt-out.
        #expect(env.head == before + 5)

        // After a restart (a new store and app on the same directory) the retry is still known.
        env.store.close()
        let reopened = try await env.reopened()
        try await reopened.test { client in
            try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            try await client.execute(uri: Self.twilioPath, method: .post, headers: twilioHeaders,
                                     body: ByteBuffer(string: WebhookRouteTests.form(twilio))) { #expect($0.status == .ok) }
        }
        #expect(reopened.head == before + 5)
        reopened.store.close()
    }

    @Test func concurrentDuplicatesAppendOnce() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let raw = WhatsAppFixtures.batch([("wamid.C1", "sent", 10), ("wamid.C1", "delivered", 20), ("wamid.C2", "sent", 11)])
        try await env.test { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(raw),
                                                 body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(env.head == before + 3)
    }

    @Test func tooManyStatusesInOneRequestAnswer413AndAppendNothing() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let flood = WhatsAppFixtures.batch((0...WebhookLimits.maxItemsPerRequest).map { ("wamid.F\($0)", "sent", $0) })
        let atCap = WhatsAppFixtures.batch((0..<WebhookLimits.maxItemsPerRequest).map { ("wamid.G\($0)", "sent", $0) })
        try await env.test { client in
            try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(flood),
                                     body: ByteBuffer(string: flood)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorCode(response.body) == "too_many_statuses")
            }
            #expect(env.head == before)
            try await client.execute(uri: Self.whatsappPath, method: .post, headers: WhatsAppFixtures.headers(atCap),
                                     body: ByteBuffer(string: atCap)) { #expect($0.status == .ok) }
        }
        #expect(env.head == before + UInt64(WebhookLimits.maxItemsPerRequest))
    }

    /// Orphans leave `pending_statuses` once `orphanLifetime` has passed (in ledger time),
    /// stay in the ledger, and replay agrees with the live read models.
    @Test func orphanStatusesExpireFromPendingButStayInTheLedger() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let old = DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.ORPHAN", status: .delivered)
        try await env.store.append(.deliveryStatusReceived(old), actor: "test")
        #expect(try env.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_statuses") } == 1)
        // Backdate it in the read model, as if recorded four days ago (the ledger's clock is real time).
        let fourDaysAgo = Timestamps.utc(Date().addingTimeInterval(-4 * 24 * 3600))
        try await env.store.pool.write { try $0.execute(sql: "UPDATE pending_statuses SET recorded_at = ?", arguments: [fourDaysAgo]) }
        let fresh = DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.NEW", status: .sent)
        try await env.store.append(.deliveryStatusReceived(fresh), actor: "test")
        let left = try env.store.read { try String.fetchAll($0, sql: "SELECT message_id FROM pending_statuses") }
        #expect(left == ["wamid.NEW"])
        #expect(try env.ledgerEvents().contains { if case let .deliveryStatusReceived(e) = $0 { e.messageId == "wamid.ORPHAN" } else { false } })
        #expect(IngestionProjection.orphanLifetime == 72 * 3600)
    }

    @Test func dedupKeys() {
        let a = DeliveryStatusReceived(provider: "whatsapp", messageId: "w1", status: .sent, providerTime: Date(timeIntervalSince1970: 10))
        var b = a
        b.providerTime = Date(timeIntervalSince1970: 11)
        var c = a
        c.status = .delivered
        let keys = [a, b, c].map { IngestionProjection.key(.deliveryStatusReceived($0)) }
        #expect(Set(keys.compactMap { $0 }).count == 3)
        #expect(IngestionProjection.key(.inboundMessageReceived(InboundMessageReceived(provider: "twilio", from: "+1", at: Date(), messageId: nil))) == nil)
    }
}

extension TestEnvironment {
    /// The same environment with changed arguments (same store and directory).
    func with(arguments change: (inout AppArguments) -> Void) -> TestEnvironment {
        var arguments = self.arguments
        change(&arguments)
        let parts = ServerParts(store: store, arguments: arguments, logger: logs.logger(), throttle: self.parts.throttle.limits)
        return TestEnvironment(directory: directory, store: store, arguments: arguments, parts: parts, actions: actions, logs: logs)
    }

    /// A new store and app on this environment's directory, as after a restart.
    func reopened() async throws -> TestEnvironment {
        let store = try AvisoStore(directory: DataDirectory(directory))
        let parts = ServerParts(store: store, arguments: arguments, logger: logs.logger())
        return TestEnvironment(directory: directory, store: store, arguments: arguments, parts: parts, actions: actions, logs: logs)
    }
}
