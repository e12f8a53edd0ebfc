import AvisoLedger
@testable import AvisoServer
import Foundation
import Testing

/// Issue 16: the account fields of Meta's signed webhook (template status and category,
/// number quality) and the `pricing` of status webhooks become events.
@Suite struct WhatsAppAccountWebhookTests {
    func parse(_ json: String) throws -> [LedgerEvent] {
        let payload = try JSONDecoder().decode(WhatsAppPayload.self, from: Data(json.utf8))
        return WebhookEvents.fromWhatsApp(payload, receivedAt: Date(timeIntervalSince1970: 1_772_000_000)).events.map(\.event)
    }

    func envelope(_ field: String, _ value: String) -> String {
        """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1772000000,\
        "changes":[{"field":"\(field)","value":\(value)}]}]}
        """
    }

    @Test func aTemplateStatusUpdateRecordsMetasNewStatus() throws {
        let events = try parse(envelope("message_template_status_update", """
            {"event":"PAUSED","message_template_id":594425479261596,"message_template_name":"recordatorio_pago_d1",
             "message_template_language":"es","reason":"LOW_QUALITY","message_template_category":"UTILITY"}
            """))
        guard case let .whatsappTemplateSynced(e)? = events.first, events.count == 1 else { Issue.record("no template event: \(events)"); return }
        #expect(e.name == "recordatorio_pago_d1" && e.language == "es" && e.status == "PAUSED" && e.category == "UTILITY")
        #expect(e.metaId == "594425479261596" && e.reason == "LOW_QUALITY" && e.body == nil)
        #expect(e.source == "webhook:message_template_status_update")
    }

    @Test func anApprovalHasNoReasonAndACategoryUpdateKeepsTheStatus() throws {
        let approved = try parse(envelope("message_template_status_update", """
            {"event":"APPROVED","message_template_id":1,"message_template_name":"mensaje_prueba","message_template_language":"es","reason":"NONE"}
            """))
        guard case let .whatsappTemplateSynced(a)? = approved.first else { Issue.record("no event"); return }
        #expect(a.status == "APPROVED" && a.reason == nil)
        let recategorised = try parse(envelope("template_category_update", """
            {"message_template_id":1,"message_template_name":"mensaje_prueba","message_template_language":"es",
             "previous_category":"UTILITY","new_category":"MARKETING"}
            """))
        guard case let .whatsappTemplateSynced(c)? = recategorised.first else { Issue.record("no event"); return }
        #expect(c.status == nil && c.category == "MARKETING" && c.source == "webhook:template_category_update")
    }

    @Test func aQualityUpdateRecordsTheTierAndTheEvent() throws {
        let events = try parse(envelope("phone_number_quality_update", """
            {"display_phone_number":"15550783881","event":"DOWNGRADE","current_limit":"TIER_250"}
            """))
        guard case let .whatsappAccountHealthChanged(e)? = events.first, events.count == 1 else { Issue.record("no event: \(events)"); return }
        #expect(e.messagingLimitTier == "TIER_250" && e.event == "DOWNGRADE" && e.qualityRating == nil)
    }

    @Test func anAccountFieldWithoutItsNamesIsIgnoredAndMessagesStillParse() throws {
        #expect(try parse(envelope("message_template_status_update", #"{"event":"APPROVED"}"#)).isEmpty)
        #expect(try parse(envelope("some_future_field", #"{"event":"X","message_template_name":"a","message_template_language":"es"}"#)).isEmpty)
    }

    @Test func aStatusCarriesItsPricingAndAnOldStatusWithoutItStillDecodes() throws {
        let events = try parse(envelope("messages", """
            {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "statuses":[{"id":"wamid.A","status":"sent","timestamp":"1772000000","recipient_id":"50255551234",
               "pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}},
              {"id":"wamid.B","status":"delivered","timestamp":"1772000001","recipient_id":"50255551234"}]}
            """))
        let statuses = events.compactMap { if case let .deliveryStatusReceived(e) = $0 { e } else { nil } }
        #expect(statuses.count == 2)
        #expect(statuses[0].pricingBillable == true && statuses[0].pricingModel == "PMP" && statuses[0].pricingCategory == "utility"
                && statuses[0].pricingType == "regular")
        #expect(statuses[1].pricingCategory == nil)
        // A record written before the pricing fields existed reads back with them empty.
        let old = #"{"messageId":"wamid.C","provider":"whatsapp","status":"read"}"#
        let decoded = try EventCatalogue.decode(type: "DeliveryStatusReceived", version: 1, payload: Data(old.utf8))
        guard case let .deliveryStatusReceived(e) = decoded else { Issue.record("not a status"); return }
        #expect(e.messageId == "wamid.C" && e.pricingBillable == nil)
    }
}
