import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9: opt-out phrases are caught however they are typed, ordinary replies are not,
/// and an opt-out on each channel is kept for that channel.
@Suite struct OptOutPhraseTests {
    static let optOuts = ["BAJA", "baja", "Baja por favor", "BAJA, por favor", "baja porfa", "Alto", "ALTO!!", "Alto, ya pagué",
                          "alto. gracias", "DETENER", "detener", "No más", "NO MAS", "no más.", "¡No más!", "Cancelár", "STOP",
                          "stop please", "Stop.", "unsubscribe", "  baja  ", "BAJA 👍", "😡 BAJA", "Ｂａｊａ", "dar de baja",
                          "Quiero darme de baja", "No más mensajes", "parar", "opt out", "Optout"]

    static let ordinary = ["¿cuánto debo?", "ya pagué", "Ya pagué, gracias", "alto el monto?", "¿Alto el monto?", "baja la cuota?",
                           "la cuota está muy alta", "no", "No, más tarde", "no más tarde pago", "gracias", "hola", "¿Cuándo vence?",
                           "stopped by the office", "detenerme no puedo", "", "   ", "👍", "pagaré mañana", "cancelaré mañana",
                           "cancelar la cuota de hoy?", "Baja el precio por favor?", "stop sending me the wrong amount"]

    @Test func optOutPhrasesAreCaught() {
        for text in Self.optOuts {
            #expect(OptOutKeywords.match(text) != nil, "missed \(text.debugDescription)")
        }
        #expect(OptOutKeywords.match("Alto, ya pagué") == "ALTO")
        #expect(OptOutKeywords.match("No más") == "NO MAS")
    }

    @Test func ordinaryRepliesAreNotCaught() {
        for text in Self.ordinary {
            #expect(OptOutKeywords.match(text) == nil, "caught \(text.debugDescription)")
        }
    }

    /// Through both webhooks: BAJA on WhatsApp then on SMS leaves two rows, one per channel.
    @Test func optOutOnBothChannelsShowsBothInTheReadModel() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let whatsapp = WhatsAppFixtures.inbound([("50255551234", "Baja por favor", 1_750_000_000)])
        let sms = [("MessageSid", "SMoptout"), ("SmsStatus", "received"), ("From", "+50255551234"), ("Body", "DETENER")]
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(whatsapp),
                                     body: ByteBuffer(string: whatsapp)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/webhooks/twilio", method: .post, headers: WebhookRouteTests.twilioHeaders(sms),
                                     body: ByteBuffer(string: WebhookRouteTests.form(sms))) { #expect($0.status == .ok) }
        }
        try env.store.catchUp()
        let rows = try env.store.read { try OptOutRecord.filter(Column("phone") == "+50255551234").order(Column("channel")).fetchAll($0) }
        #expect(rows.map(\.channel) == ["sms", "whatsapp"])
        #expect(rows.map(\.source) == ["keyword:DETENER", "keyword:BAJA"])
    }
}
