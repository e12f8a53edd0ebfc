import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct WebhookRouteTests {
    static let twilioPath = "/api/webhooks/twilio"

    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(formEscape($0.0))=\(formEscape($0.1))" }.joined(separator: "&")
    }

    static func formEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    static func twilioHeaders(_ pairs: [(String, String)], url: String = "https://aviso.example.gt/api/webhooks/twilio") -> HTTPFields {
        let signature = TwilioSignature.compute(authToken: TestSecrets.twilioToken, url: url, parameters: pairs.map { ($0.0, $0.1) })
        return [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature]
    }

    @Test func twilioStatusCallbackSignedAppends() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let pairs = [("MessageSid", "SMaaa"), ("MessageStatus", "delivered"), ("To", "+50255551234"), ("AccountSid", "AC1"), ("a", "1"), ("A", "2")]
        try await env.test { client in
            try await client.execute(uri: Self.twilioPath, method: .post, headers: Self.twilioHeaders(pairs),
                                     body: ByteBuffer(string: Self.form(pairs))) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
            }
            // With a query string, the signature covers it.
            let url = "https://aviso.example.gt/api/webhooks/twilio?rc=3"
            let other = [("MessageSid", "SMaab")] + pairs.dropFirst()
            try await client.execute(uri: Self.twilioPath + "?rc=3", method: .post, headers: Self.twilioHeaders(other, url: url),
                                     body: ByteBuffer(string: Self.form(other))) { #expect($0.status == .ok) }
        }
        let events = try env.ledgerEvents().suffix(Int(env.head - before))
        #expect(events.count == 2)
        guard case let .deliveryStatusReceived(e) = events.first else { Issue.record("not a status"); return }
        #expect(e.provider == "twilio" && e.messageId == "SMaaa" && e.status == .delivered)
    }

    @Test func twilioMissingOrWrongSignatureAppendsNothing() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let pairs = [("MessageSid", "SMbbb"), ("MessageStatus", "sent")]
        try await env.test { client in
            try await client.execute(uri: Self.twilioPath, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: Self.form(pairs))) { response in
                #expect(response.status == .badRequest)
                #expect(errorCode(response.body) == "signature_missing")
            }
            var headers = Self.twilioHeaders(pairs)
            headers[HTTPField.Name("X-Twilio-Signature")!] = TwilioSignature.compute(authToken: "wrong", url: "https://aviso.example.gt/api/webhooks/twilio", parameters: pairs)
            try await client.execute(uri: Self.twilioPath, method: .post, headers: headers, body: ByteBuffer(string: Self.form(pairs))) { response in
                #expect(response.status == .forbidden)
                #expect(errorCode(response.body) == "signature_mismatch")
            }
            // A parameter added in transit breaks the signature.
            try await client.execute(uri: Self.twilioPath, method: .post, headers: Self.twilioHeaders(pairs),
                                     body: ByteBuffer(string: Self.form(pairs + [("Extra", "1")]))) { #expect($0.status == .forbidden) }
            // Signed but malformed: 400, nothing appended.
            let bad = [("MessageStatus", "sent")]
            try await client.execute(uri: Self.twilioPath, method: .post, headers: Self.twilioHeaders(bad),
                                     body: ByteBuffer(string: Self.form(bad))) { #expect($0.status == .badRequest) }
        }
        #expect(env.head == before)
    }

    @Test func twilioInboundOptOutWords() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            for (i, word) in ["BAJA", "alto", "Cancelár", "stop", "gracias"].enumerated() {
                let pairs = [("MessageSid", "SMin\(i)"), ("SmsStatus", "received"), ("From", "+5025555123\(i)"), ("To", "+15005550006"), ("Body", word)]
                try await client.execute(uri: Self.twilioPath, method: .post, headers: Self.twilioHeaders(pairs),
                                         body: ByteBuffer(string: Self.form(pairs))) { #expect($0.status == .ok) }
            }
        }
        try env.store.catchUp()
        let optOuts = try env.store.read { try OptOutRecord.fetchAll($0) }
        #expect(Set(optOuts.map(\.phone)) == ["+50255551230", "+50255551231", "+50255551232", "+50255551233"])
        #expect(optOuts.allSatisfy { $0.source.hasPrefix("keyword:") })
        let inbound = try env.ledgerEvents().filter { if case .inboundMessageReceived = $0 { true } else { false } }
        #expect(inbound.count == 5)
    }

    @Test func unsignedInstallRefusesWebhooksAndHealthSaysSo() async throws {
        let env = try await TestEnvironment.make(signed: false)
        defer { env.cleanUp() }
        let before = env.head
        try await env.test { client in
            let pairs = [("MessageSid", "SMccc"), ("MessageStatus", "sent")]
            try await client.execute(uri: Self.twilioPath, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: Self.form(pairs))) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: WhatsAppFixtures.batch([("wamid.X", "sent", 1)]))) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let body = obj(response.body)
                let hooks = body["webhooks"] as? [String: Any]
                #expect(hooks?["twilioSignatureChecked"] as? Bool == false)
                #expect(hooks?["whatsappSignatureChecked"] as? Bool == false)
                #expect((body["warnings"] as? [String])?.contains { $0.contains("TWILIO_AUTH_TOKEN") } == true)
            }
        }
        #expect(env.head == before)
        #expect(env.logs.all.filter { $0.contains("TWILIO_AUTH_TOKEN is not set") }.count == 1)
    }

    // MARK: WhatsApp

    @Test func metaVerification() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=\(TestSecrets.verifyToken)",
                                     method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "1158201444")
            }
            try await client.execute(uri: "/api/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope", method: .get) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/webhooks/whatsapp?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=\(TestSecrets.verifyToken)",
                                     method: .get) { #expect($0.status == .forbidden) }
        }
    }

    @Test func metaSignatureOnRawBytesAndReserialisedFails() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let raw = WhatsAppFixtures.batch([("wamid.A", "delivered", 100)])
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            let object = try JSONSerialization.jsonObject(with: Data(raw.utf8))
            let reserialised = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(bytes: reserialised)) { response in
                #expect(response.status == .forbidden)
                #expect(errorCode(response.body) == "signature_mismatch")
            }
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .badRequest) }
            let malformed = "{\"entry\": [ this is not json"
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(malformed),
                                     body: ByteBuffer(string: malformed)) { response in
                #expect(response.status == .badRequest)
                #expect(errorCode(response.body) == "invalid_json")
            }
        }
        #expect(env.head == before + 1)
    }

    @Test func bodyOverThreeMegabytesIsRefused() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        let padding = String(repeating: " ", count: WebhookLimits.maxBodyBytes + 10)
        let raw = WhatsAppFixtures.batch([("wamid.big", "sent", 1)]) + padding
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorCode(response.body) == "payload_too_large")
            }
        }
        #expect(env.head == before)
    }

    /// Out of order and duplicated, in one batch and across batches: one event per distinct
    /// status (a repeat is a provider's retry), one transaction per batch, and the read model
    /// ends at the highest rank.
    @Test func outOfOrderDuplicatedBatchEndsMonotonic() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        // The message exists: a MessageSent for wamid.M1.
        try await env.store.append(.messageSent(MessageSent(messageKey: "k1", clientId: "C001", installmentId: nil, stage: "D-2",
                                                            channel: .whatsapp, provider: "whatsapp", to: "+50255551234",
                                                            messageId: "wamid.M1", status: .accepted, dryRun: false, at: Date())),
                                   actor: "test")
        let before = env.head
        let batch = WhatsAppFixtures.batch([("wamid.M1", "read", 30), ("wamid.M1", "sent", 10), ("wamid.M1", "delivered", 20),
                                            ("wamid.M1", "read", 30), ("wamid.M1", "sent", 10)], entries: 2)
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(batch),
                                     body: ByteBuffer(string: batch)) { #expect($0.status == .ok) }
            let late = WhatsAppFixtures.batch([("wamid.M1", "delivered", 25)])
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(late),
                                     body: ByteBuffer(string: late)) { #expect($0.status == .ok) }
        }
        #expect(env.head == before + 4)
        // One transaction per batch: the three distinct statuses of the first batch share a commit time.
        let records = try env.store.ledger.records(after: before, limit: 10)
        #expect(Set(records.prefix(3).map(\.time)).count == 1)
        try env.store.catchUp()
        let row = try env.store.read { try NotificationRecord.filter(Column("message_key") == "k1").fetchOne($0) }
        #expect(row?.status == "read")
    }

    @Test func unknownMessageIdIsKeptAndLinkedLater() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let batch = WhatsAppFixtures.batch([("wamid.LATE", "delivered", 20, nil), ("wamid.LATE", "failed", 30, "131026")] as [(String, String, Int, String?)])
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(batch),
                                     body: ByteBuffer(string: batch)) { #expect($0.status == .ok) }
            try env.store.catchUp()
            let waiting = try env.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_statuses WHERE message_id = 'wamid.LATE'") }
            #expect(waiting == 2)
            // The send is recorded after its callbacks: they are applied then, in order.
            try await env.store.append(.messageSent(MessageSent(messageKey: "k-late", clientId: "C001", installmentId: nil, stage: "D0",
                                                                channel: .whatsapp, provider: "whatsapp", to: "+50255551234",
                                                                messageId: "wamid.LATE", status: .accepted, dryRun: false, at: Date())),
                                       actor: "test")
            let row = try env.store.read { try NotificationRecord.filter(Column("message_key") == "k-late").fetchOne($0) }
            #expect(row?.status == "failed")
            #expect(row?.errorCode == "131026")
            let left = try env.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_statuses") }
            #expect(left == 0)
        }
    }

    @Test func inboundOpensWindowAndDetectsOptOut() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let body = WhatsAppFixtures.inbound([("50255551234", "Hola, ya pagué", 1_750_000_000), ("5215512345678", "BAJA", 1_750_000_100)])
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(body),
                                     body: ByteBuffer(string: body)) { #expect($0.status == .ok) }
        }
        try env.store.catchUp()
        let windows = try env.store.read { try Row.fetchAll($0, sql: "SELECT phone, last_inbound_at FROM conversation_windows ORDER BY phone") }
        #expect(windows.map { $0["phone"] as String } == ["+50255551234", "+525512345678"])
        #expect(windows.first?["last_inbound_at"] as String? == "2025-06-15T15:06:40Z")
        let optOuts = try env.store.read { try OptOutRecord.fetchAll($0) }
        #expect(optOuts.map(\.phone) == ["+525512345678"])
        #expect(optOuts.first?.source == "keyword:BAJA")
    }
}

enum WhatsAppFixtures {
    static func headers(_ raw: String) -> HTTPFields {
        [.contentType: "application/json",
         HTTPField.Name("X-Hub-Signature-256")!: MetaSignature.compute(appSecret: TestSecrets.appSecret, body: Data(raw.utf8))]
    }

    /// A Meta status webhook; `entries` spreads the statuses over that many entries.
    static func batch(_ statuses: [(String, String, Int, String?)], entries: Int = 1) -> String {
        var groups = Array(repeating: [String](), count: entries)
        for (i, s) in statuses.enumerated() {
            let errors = s.3.map { #","errors":[{"code":\#($0),"title":"Message undeliverable","unknown_field":{"x":1}}]"# } ?? ""
            groups[i % entries].append(#"{"id":"\#(s.0)","status":"\#(s.1)","timestamp":"\#(1_751_142_800 + s.2)","recipient_id":"50255551234","pricing":{"billable":true}\#(errors)}"#)
        }
        let entryJSON = groups.enumerated().map { i, statuses in
            #"{"id":"WABA\#(i)","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[\#(statuses.joined(separator: ","))]}}]}"#
        }
        return #"{"object":"whatsapp_business_account","entry":[\#(entryJSON.joined(separator: ","))]}"#
    }

    static func batch(_ statuses: [(String, String, Int)], entries: Int = 1) -> String {
        batch(statuses.map { ($0.0, $0.1, $0.2, nil) }, entries: entries)
    }

    static func inbound(_ messages: [(String, String, Int)]) -> String {
        let items = messages.enumerated().map { i, m in
            #"{"from":"\#(m.0)","id":"wamid.IN\#(i)","timestamp":"\#(m.2)","type":"text","text":{"body":"\#(m.1)"}}"#
        }
        return #"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","contacts":[{"profile":{"name":"X"},"wa_id":"1"}],"messages":[\#(items.joined(separator: ","))]}}]}]}"#
    }
}
