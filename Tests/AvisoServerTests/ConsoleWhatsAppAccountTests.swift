import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 16 in the console: Plantillas shows each stage's Meta status, the placeholder check
/// and Meta's approved body filled in; Mensajería and /healthz show the number's health and
/// the WhatsApp messages per pricing category; the sync button is for admins.
@Suite struct ConsoleWhatsAppAccountTests {
    static func synced(_ name: String, _ status: String, _ body: String, at: Date = Date()) -> LedgerEvent {
        .whatsappTemplateSynced(WhatsAppTemplateSynced(
            name: name, language: "es", status: status, category: "UTILITY", body: body,
            placeholders: MetaTemplateBody.placeholders(in: body), metaId: "1", reason: nil, source: "sync", at: at))
    }

    @Test func plantillasShowsMetaStatusTheMismatchAndTheApprovedBodyFilledIn() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = try await client.console("/configuracion/plantillas?etapa=D0&canal=whatsapp", session: admin)
            #expect(before.body.contains("Sin sincronizar con Meta"))
            #expect(before.body.contains(#"id="sincronizar-whatsapp""#))

            try await env.seed([
                Self.synced("recordatorio_pago_d0", "APPROVED", "Hola {{1}}, hoy vence la cuota {{2}} del préstamo {{3}}: {{4}}."),
                Self.synced("recordatorio_pago_d1", "PAUSED", "{{1}} {{2}} {{3}} {{4}} {{5}}"),
                Self.synced("recordatorio_pago_d2", "APPROVED", "Hola {{1}}, {{2}} {{3}} {{4}}"),
            ])
            let approved = try await client.console("/configuracion/plantillas?etapa=D0&canal=whatsapp", session: admin)
            #expect(approved.body.contains(#"id="estado-meta-valor">Aprobada"#))
            // Meta's body with the first client's values (C001, María José López).
            #expect(approved.body.contains(#"<pre class="mensaje" id="texto-meta">Hola María José López, hoy vence la cuota"#))
            #expect(!approved.body.contains(#"id="error-meta""#))
            // The grid: every stage's WhatsApp template with its word from Meta.
            #expect(approved.body.contains("Pausada por baja calidad"))
            #expect(approved.body.contains("Variables distintas"))
            #expect(approved.body.contains("No existe en Meta en este idioma"), "stages absent from the synced catalogue")

            let mismatch = try await client.console("/configuracion/plantillas?etapa=D-2&canal=whatsapp", session: admin)
            #expect(mismatch.body.contains(#"id="error-meta""#))
            #expect(mismatch.body.contains("4 variables y Aviso enviaría 5"))

            // Before the run: Mensajes lists the stages whose WhatsApp template Meta would refuse.
            let messages = try await client.console("/mensajes", session: admin)
            #expect(messages.body.contains(#"id="avisos-whatsapp""#))
            #expect(messages.body.contains("D-1 · recordatorio_pago_d1 (es): Meta pausó la plantilla"))
            #expect(messages.body.contains("D-2 · recordatorio_pago_d2 (es): la plantilla aprobada en Meta tiene 4 variables"))
            #expect(!messages.body.contains("D0 · recordatorio_pago_d0"))
        }
    }

    /// The template-status webhook over the signed route: the read model follows Meta, and
    /// the history keeps both statuses.
    @Test func aSignedTemplateStatusWebhookUpdatesTheCatalogue() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.seed([Self.synced("recordatorio_pago_d0", "APPROVED", "Hola {{1}} {{2}} {{3}} {{4}}")])
        let raw = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1772000000,"changes":[\
            {"field":"message_template_status_update","value":{"event":"PAUSED","message_template_id":1,\
            "message_template_name":"recordatorio_pago_d0","message_template_language":"es","reason":"LOW_QUALITY"}},\
            {"field":"phone_number_quality_update","value":{"display_phone_number":"15550783881","event":"FLAGGED","current_limit":"TIER_1K"}}]}]}
            """
        try await env.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
        }
        try env.store.catchUp()
        let row = try env.store.read { try WhatsAppAccountReadModel.template($0, name: "recordatorio_pago_d0", language: "es") }
        #expect(row?.status == "PAUSED" && row?.reason == "LOW_QUALITY")
        #expect(row?.body == "Hola {{1}} {{2}} {{3}} {{4}}", "a webhook without a body keeps the synced one")
        let account = try env.store.read { try WhatsAppAccountReadModel.account($0) }
        #expect(account?.messagingLimitTier == "TIER_1K" && account?.lastEvent == "FLAGGED")
        let statuses = try env.records().compactMap { record -> String? in
            guard case let .whatsappTemplateSynced(e) = try record.decodeEvent() else { return nil }
            return e.status
        }
        #expect(statuses == ["APPROVED", "PAUSED"])
    }

    @Test func theSyncButtonIsForAdminsAndSaysWhatIsMissing() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            let refused = try await client.console(WhatsAppSyncController.path, method: .post, session: asesor, form: [("etapa", "D0")])
            #expect(refused.status == .forbidden)
            let admin = try await client.consoleLogin("admin")
            let answer = try await client.console(WhatsAppSyncController.path, method: .post, session: admin, form: [("etapa", "D0")])
            #expect(answer.status == .seeOther)
            #expect(answer.location == "/configuracion/plantillas?etapa=D0&canal=whatsapp&ok=sin-waba")
            let page = try await client.console(answer.location!, session: admin)
            #expect(page.body.contains("Falta WHATSAPP_BUSINESS_ACCOUNT_ID"))
        }
    }

    @Test func mensajeriaAndHealthzShowTheNumbersHealthAndCostPerCategory() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.seed([
            .whatsappAccountHealthChanged(WhatsAppAccountHealthChanged(qualityRating: "YELLOW", messagingLimitTier: "TIER_250",
                                                                       event: nil, source: "sync", at: Date())),
            .deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.1", status: .sent, providerTime: Date(),
                                                           pricingBillable: true, pricingModel: "PMP", pricingCategory: "utility", pricingType: "regular")),
            // The same message's pricing again on `delivered`: counted once.
            .deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.1", status: .delivered, providerTime: Date(),
                                                           pricingBillable: true, pricingModel: "PMP", pricingCategory: "utility", pricingType: "regular")),
            .deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.2", status: .sent, providerTime: Date(),
                                                           pricingBillable: false, pricingModel: "PMP", pricingCategory: "service",
                                                           pricingType: "free_customer_service")),
            // One real SMS of two GSM-7 segments (161 characters), and a dry run that does not count.
            .messageRendered(MessageRendered(messageKey: "s1", clientId: "C001", installmentId: nil, stage: "D-1", channel: .sms,
                                             text: String(repeating: "a", count: 161))),
            .messageSent(MessageSent(messageKey: "s1", clientId: "C001", installmentId: nil, stage: "D-1", channel: .sms, provider: "twilio",
                                     to: "+50255551234", messageId: "SM1", status: .queued, dryRun: false, at: Date())),
            .messageRendered(MessageRendered(messageKey: "s2", clientId: "C001", installmentId: nil, stage: "D-1", channel: .sms, text: "hola")),
            .messageSent(MessageSent(messageKey: "s2", clientId: "C001", installmentId: nil, stage: "D-1", channel: .sms, provider: "dry-run",
                                     to: "+50255551234", messageId: "dry-run-1", status: .accepted, dryRun: true, at: Date())),
        ])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(page.body.contains(#"id="calidad-whatsapp">Media (amarillo)"#))
            #expect(page.body.contains("250 clientes cada 24 horas"))
            #expect(page.body.contains("<td>Utilidad</td><td>1</td><td>1</td>"))
            #expect(page.body.contains("<td>Servicio</td><td>1</td><td>0</td>"))
            #expect(page.body.contains(#"<table id="sms-por-dia">"#))
            #expect(page.body.contains("</td><td>1</td><td>2</td></tr>"), "one SMS, two segments; the dry run is not counted")
            let health = try await client.execute(uri: "/healthz", method: .get) { String(buffer: $0.body) }
            #expect(health.contains(#""qualityRating":"YELLOW""#) && health.contains(#""messagingLimitTier":"TIER_250""#))
        }
    }

    /// The warning counts today's planned WhatsApp recipients (the scheduler's own plan), not
    /// only the last 24 hours'.
    @Test func theTierWarningCountsTodaysPlannedMessages() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let planned = await MessagingSettingsController.plannedWhatsAppClients(env.store)
        #expect(!planned.isEmpty, "the demo portfolio has WhatsApp reminders due today")
        try await env.seed([.whatsappAccountHealthChanged(WhatsAppAccountHealthChanged(
            qualityRating: "GREEN", messagingLimitTier: "TIER_50", event: nil, source: "sync", at: Date()))])
        let zone = TimeZone(identifier: "America/Guatemala")!
        let calm = try env.store.read { try WhatsAppAccountView.build($0, zone: zone, planned: planned) }
        #expect(calm.overTier == nil)
        let busy = Set((0..<51).map { "X\($0)" })
        let warned = try env.store.read { try WhatsAppAccountView.build($0, zone: zone, planned: busy) }
        #expect(warned.overTier?.contains("previstos para hoy") == true && warned.overTier?.contains("51 por enviar") == true)
    }
}
