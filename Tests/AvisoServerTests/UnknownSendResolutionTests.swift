import AvisoFakeProviders
import AvisoTestSupport
import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 10, break 6: a send whose process died after the provider accepted it, before its
/// `MessageSent` was recorded, stayed `unknown` for good: the Twilio reconciler read columns
/// `MessageRendered` never sets, and a later status callback could not be linked to it.
/// Now the provider echoes Aviso's message key back (WhatsApp `biz_opaque_callback_data`, the
/// Twilio StatusCallback query) and the callback resolves the send. Real processes: an
/// `aviso run` killed at that instant, the webhook through the app, `aviso run` again.
@Suite(.serialized) struct UnknownSendResolutionTests {
    static let now = "2026-11-26T15:00:00Z"  // 09:00 in Guatemala: I1 is at D-2

    /// A data directory with one client and one installment at D-2, and the signed app over it.
    static func environment(channel: PreferredChannel) async throws -> TestEnvironment {
        let env = try await TestEnvironment.make(seed: false)
        try await env.store.append(.clientUpserted(ClientUpserted(id: "C1", name: "Ana López", phone: "5555-1234", phoneCountryCode: "GT",
                                                                  advisor: "Ana", preferredChannel: channel)), actor: "test")
        try await env.store.append(.installmentUpserted(InstallmentUpserted(
            id: "I1", clientId: "C1", loanId: "P-1", number: 3, dueDate: "2026-11-28", amountMinor: 50_000, currency: "GTQ",
            status: .pending)), actor: "test")
        return env
    }

    /// Runs `aviso run` until it pauses right after the provider accepted, then SIGKILLs it.
    static func runAndKillAfterAcceptance(_ env: TestEnvironment, _ providerEnvironment: [String: String]) throws -> String {
        let (victim, _, err) = try avisoProcess(["run", "--data", env.directory.path, "--now", now, "--json"],
                                                environment: providerEnvironment.merging(["AVISO_FAULT_PAUSE": "after-provider-accepted"]) { $1 })
        var stderr = ""
        while !stderr.contains("paused at after-provider-accepted") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            stderr += String(decoding: chunk, as: UTF8.self)
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let line = stderr.split(separator: "\n").first { $0.contains("paused at after-provider-accepted") } ?? ""
        return String(line.split(separator: " ").last ?? "")
    }

    static func runAgain(_ env: TestEnvironment, _ providerEnvironment: [String: String]) throws -> [String: Any] {
        let (process, out, _) = try avisoProcess(["run", "--data", env.directory.path, "--now", now, "--json"], environment: providerEnvironment)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    static func row(_ env: TestEnvironment, _ key: String) throws -> NotificationRecord? {
        _ = try env.store.catchUp()
        return try env.store.read { try NotificationRecord.filter(Column("message_key") == key).fetchOne($0) }
    }

    @Test(arguments: [false, true])
    func whatsAppCallbackResolvesASendWhoseOutcomeWasNeverRecorded(recoveryFirst: Bool) async throws {
        try await withFakeWhatsApp { whatsapp in
            let env = try await Self.environment(channel: .whatsapp)
            defer { env.cleanUp() }
            let providers = ["WHATSAPP_TOKEN": whatsapp.accessToken, "WHATSAPP_PHONE_ID": whatsapp.phoneNumberId,
                             "WHATSAPP_API_BASE": whatsapp.baseURL.absoluteString]
            let key = try Self.runAndKillAfterAcceptance(env, providers)
            #expect(key == "I1|D-2|whatsapp")
            let sent = await whatsapp.requests()
            #expect(sent.count == 1 && sent.first?.fields["biz_opaque_callback_data"] == key)
            #expect(try Self.row(env, key)?.status == "rendered")
            if recoveryFirst {
                // A later run finds the send without an outcome: unknown, never sent again.
                let recovered = try Self.runAgain(env, providers)
                #expect(recovered["unknown"] as? Int == 1 && recovered["sent"] as? Int == 0)
                #expect(try Self.row(env, key)?.status == "unknown")
            }
            // Meta's callback for it: the wamid we never recorded, and our key.
            let body = #"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.RESOLVED1","status":"delivered","timestamp":"1795700000","recipient_id":"50255551234","biz_opaque_callback_data":"\#(key)"}]}}]}]}"#
            try await env.test { client in
                try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(body),
                                         body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .ok)
                }
            }
            let row = try #require(try Self.row(env, key))
            #expect(row.status == "delivered" && row.messageId == "wamid.RESOLVED1" && row.provider == "whatsapp")
            // Never sent again, whatever runs next.
            let again = try Self.runAgain(env, providers)
            #expect(again["sent"] as? Int == 0 && again["unknown"] as? Int == 0 && again["due"] as? Int == 0)
            #expect(await whatsapp.requests().count == 1)
            #expect(try Self.row(env, key)?.status == "delivered")
            // The timeline says how the outcome became known.
            #expect(row.detail == (recoveryFirst ? "outcome_from_status_callback" : nil))
        }
    }

    @Test func twilioCallbackCarriesTheKeyInItsSignedURLAndResolvesTheSend() async throws {
        try await withFakeTwilio { twilio in
            let env = try await Self.environment(channel: .sms)
            defer { env.cleanUp() }
            let providers = ["TWILIO_ACCOUNT_SID": twilio.accountSid, "TWILIO_AUTH_TOKEN": twilio.authToken, "TWILIO_FROM": "+15005550006",
                             "TWILIO_API_BASE": twilio.baseURL.absoluteString, "AVISO_PUBLIC_URL": "https://aviso.example.gt"]
            let key = try Self.runAndKillAfterAcceptance(env, providers)
            #expect(key == "I1|D-2|sms")
            let request = try #require(await twilio.requests().first { $0.method == "POST" })
            let callback = try #require(request.fields["StatusCallback"])
            // The key rides in the query, before Twilio's retry fragment.
            #expect(callback.hasPrefix("https://aviso.example.gt/api/webhooks/twilio?aviso_key=I1%7CD-2%7Csms#rc="))
            let recovered = try Self.runAgain(env, providers)
            #expect(recovered["unknown"] as? Int == 1)

            let url = String(callback.prefix { $0 != "#" })
            let pathAndQuery = String(url.dropFirst("https://aviso.example.gt".count))
            let pairs = [("MessageSid", "SMresolved0001"), ("MessageStatus", "delivered"), ("To", "+50255551234"), ("AccountSid", "AC1")]
            try await env.test { client in
                try await client.execute(uri: pathAndQuery, method: .post, headers: WebhookRouteTests.twilioHeaders(pairs, url: url),
                                         body: ByteBuffer(string: WebhookRouteTests.form(pairs))) { response in
                    #expect(response.status == .ok)
                }
            }
            let row = try #require(try Self.row(env, key))
            #expect(row.status == "delivered" && row.messageId == "SMresolved0001" && row.provider == "twilio")
            let again = try Self.runAgain(env, providers)
            #expect(again["sent"] as? Int == 0 && again["unknown"] as? Int == 0)
            #expect(await twilio.requests().filter { $0.method == "POST" }.count == 1)
        }
    }
}
