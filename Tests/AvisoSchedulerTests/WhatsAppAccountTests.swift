import AvisoFakeProviders
import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoScheduler
import AvisoTestSupport
import Foundation
import GRDB
import Testing

/// Issue 16: Meta's template catalogue and the number's health, synced over real HTTP from the
/// fake Graph API, and the send path refusing templates Meta would refuse.
@Suite struct WhatsAppAccountTests {
    static let everyStatus: [FakeWhatsAppAccount.Template] = [
        .init(name: "recordatorio_pago_d15", status: "APPROVED", body: "Hola {{1}}, cuota {{2}} del préstamo {{3}}: {{4}} vence el {{5}}, en {{6}} días."),
        .init(name: "recordatorio_pago_d2", status: "PENDING", body: "Hola {{1}}, {{2}}"),
        .init(name: "recordatorio_pago_d1", status: "REJECTED", body: "Hola {{1}}"),
        .init(name: "recordatorio_pago_d0", status: "PAUSED", body: "Hola {{1}} {{2}} {{3}} {{4}}"),
        .init(name: "recordatorio_pago_atraso_d1", status: "DISABLED", body: "Hola {{1}}"),
        .init(name: "recordatorio_pago_atraso_d3", status: "IN_APPEAL", category: "MARKETING", body: "Hola {{1}}"),
        .init(name: "recordatorio_pago_semanal", language: "es_MX", status: "PENDING_DELETION", body: "Hola {{1}}"),
    ]

    func client(_ whatsapp: FakeWhatsAppServer, pageSize: Int = 3) -> WhatsAppAccountClient {
        let configuration = ProviderConfiguration(environment: whatsapp.environment).whatsapp!
        return WhatsAppAccountClient(configuration: configuration, transport: URLSessionTransport(timeout: .seconds(5)), pageSize: pageSize)
    }

    @Test func theCatalogueIsReadPageByPageWithEveryStatusAndTheNumbersHealth() async throws {
        try await withFakeWhatsApp { whatsapp in
            await whatsapp.account.setTemplates(Self.everyStatus)
            await whatsapp.account.setHealth(qualityRating: "YELLOW", messagingLimitTier: "TIER_10K")
            let templates = try await client(whatsapp).templates()
            #expect(templates.map(\.name) == Self.everyStatus.map(\.name))
            #expect(templates.map(\.status) == ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION"])
            #expect(templates[0].placeholders == ["1", "2", "3", "4", "5", "6"])
            #expect(templates[5].category == "MARKETING" && templates[6].language == "es_MX")
            let pages = await whatsapp.requests().filter { $0.path.hasSuffix("/message_templates") }
            // 7 templates, 3 a page: three requests, each after the first with the previous page's cursor.
            #expect(pages.count == 3)
            #expect(pages[0].query["after"] == nil && pages[1].query["after"] != nil && pages[2].query["after"] != pages[1].query["after"])
            #expect(pages.allSatisfy { $0.authorized && $0.path.hasPrefix("/\(WhatsAppConfiguration.graphAPIVersion)/\(whatsapp.businessAccountId)") })
            let health = try await client(whatsapp).phoneHealth()
            #expect(health == PhoneNumberHealth(qualityRating: "YELLOW", messagingLimitTier: "TIER_10K"))
        }
    }

    @Test func withoutTheBusinessAccountIdTheSyncSaysSoAndAsksNothing() async throws {
        try await withFakeWhatsApp { whatsapp in
            var environment = whatsapp.environment
            environment["WHATSAPP_BUSINESS_ACCOUNT_ID"] = nil
            let sync = WhatsAppAccountClient(configuration: ProviderConfiguration(environment: environment).whatsapp!)
            await #expect(throws: WhatsAppAccountError.notConfigured("WHATSAPP_BUSINESS_ACCOUNT_ID is not set")) { try await sync.templates() }
            #expect(await whatsapp.requests().isEmpty)
        }
    }

    @Test func theSyncRecordsOnlyWhatChangedAndATemplateThatDisappeared() async throws {
        try await withFakeWhatsApp { whatsapp in
            let f = try Fixture()
            await whatsapp.account.setTemplates(Self.everyStatus)
            let sync = WhatsAppAccountSync(store: f.store, client: client(whatsapp))
            let first = try await sync.run(now: local("2026-03-01"))
            #expect(first.templatesFetched == 7 && first.templatesChanged == 7 && first.healthChanged && first.errors.isEmpty)
            let again = try await sync.run(now: local("2026-03-02"))
            #expect(again.templatesChanged == 0 && !again.healthChanged)

            // Meta pauses d15 and deletes d2.
            var changed = Self.everyStatus.filter { $0.name != "recordatorio_pago_d2" }
            changed[0].status = "PAUSED"
            await whatsapp.account.setTemplates(changed)
            let third = try await sync.run(now: local("2026-03-03"))
            #expect(third.templatesChanged == 2)
            let rows = try f.store.read { try WhatsAppAccountReadModel.templates($0) }
            #expect(rows.first { $0.name == "recordatorio_pago_d15" }?.status == "PAUSED")
            #expect(rows.first { $0.name == "recordatorio_pago_d2" }?.status == MetaTemplateState.missing)
            let d15History = try f.events().compactMap { if case let .whatsappTemplateSynced(e) = $0, e.name == "recordatorio_pago_d15" { e.status } else { nil } }
            #expect(d15History == ["APPROVED", "PAUSED"])
            let account = try f.store.read { try WhatsAppAccountReadModel.account($0) }
            #expect(account?.qualityRating == "GREEN" && account?.messagingLimitTier == "TIER_1K" && account?.catalogueSyncedAt != nil)
        }
    }

    /// The run: one paused and one mismatched template are skipped on WhatsApp with
    /// their reasons, the SMS fallback goes out, and nothing reaches Meta for them; the
    /// approved template still goes to Meta. Before the check all three went to Meta.
    @Test func aRunNeverSendsATemplateMetaWouldRefuseAndFallsBackToSMS() async throws {
        try await withFakeWhatsApp { whatsapp in
            try await withFakeTwilio { twilio in
                let f = try Fixture()
                try await DefaultTemplateSeed.loadIfEmpty(store: f.store)
                try await f.client("C1", channel: .whatsapp, phone: "5555-1111")
                try await f.client("C2", channel: .whatsapp, phone: "5555-2222")
                try await f.client("C3", channel: .whatsapp, phone: "5555-3333")
                try await f.installment("I1", client: "C1", due: "2026-03-02")   // D-1: recordatorio_pago_d1, paused
                try await f.installment("I2", client: "C2", due: "2026-03-03")   // D-2: recordatorio_pago_d2, 4 variables at Meta, Aviso sends 5
                try await f.installment("I3", client: "C3", due: "2026-03-16")   // D-15: recordatorio_pago_d15, approved, 6 and 6
                await whatsapp.account.setTemplates([
                    Self.everyStatus[0],
                    .init(name: "recordatorio_pago_d1", status: "PAUSED", body: "{{1}} {{2}} {{3}} {{4}} {{5}}"),
                    .init(name: "recordatorio_pago_d2", status: "APPROVED", body: "Hola {{1}}, el {{2}} vence la cuota {{3}} del préstamo {{4}}."),
                ])
                var environment = whatsapp.environment
                environment.merge(["TWILIO_ACCOUNT_SID": twilio.accountSid, "TWILIO_AUTH_TOKEN": twilio.authToken,
                                   "TWILIO_FROM": "+15005550006", "TWILIO_API_BASE": twilio.baseURL.absoluteString]) { a, _ in a }
                let configuration = ProviderConfiguration(environment: environment)
                let synced = try await WhatsAppAccountSync(store: f.store, configuration: configuration,
                                                           transport: URLSessionTransport(timeout: .seconds(5)))!.run(now: local("2026-03-01", "07:00"))
                #expect(synced.templatesChanged == 3 && synced.errors.isEmpty)

                let sender = MessageSender(configuration: configuration, transport: URLSessionTransport(timeout: .seconds(5)),
                                           whatsappMessagesPerSecond: 1000, retryPolicy: RetryPolicy(maxAttempts: 1)) { events in try await f.store.append(events) }
                let scheduler = Scheduler(store: f.store, dispatcher: MessagingDispatcher(store: f.store, sender: sender),
                                          options: { var o = SchedulerOptions(); o.dispatchConcurrency = 1; return o }())
                // The dry run says beforehand what the run will do with each WhatsApp message.
                let plan = try scheduler.plan(now: local("2026-03-01"), kind: .stages)
                let planned = Dictionary(plan.messages.filter { $0.channel == .whatsapp }.map { ($0.clientId, $0) }, uniquingKeysWith: { a, _ in a })
                #expect(planned["C1"]?.reason == "template_not_approved" && planned["C2"]?.reason == "template_mismatch")
                #expect(planned["C3"]?.decision == .send && planned["C3"]?.reason == nil)
                #expect(planned["C1"]?.line.contains("send (D-1) but template_not_approved (WhatsApp: Meta pausó la plantilla") == true)
                #expect(await whatsapp.requests().filter { $0.method == "POST" }.isEmpty)

                _ = try await scheduler.run(now: local("2026-03-01"), dryRun: false)

                let toMeta = await whatsapp.requests().filter { $0.method == "POST" }
                #expect(toMeta.map { $0.fields["template.name"] } == ["recordatorio_pago_d15"])
                let skipped = try f.skipped.filter { $0.channel == .whatsapp }
                #expect(Set(skipped.map(\.reason)) == [.templateNotApproved, .templateMismatch])
                #expect(skipped.first { $0.clientId == "C1" }?.detail?.contains("132015") == true)
                #expect(skipped.first { $0.clientId == "C2" }?.detail?.contains("4 variables y Aviso enviaría 5") == true)
                let sms = await twilio.requests().filter { $0.method == "POST" }
                #expect(Set(sms.compactMap { $0.fields["To"] }) == ["+50255551111", "+50255552222"])
                let fallbacks = try f.sent.filter { $0.fallbackOf != nil }
                #expect(Set(fallbacks.compactMap(\.clientId)) == ["C1", "C2"] && fallbacks.allSatisfy { $0.channel == .sms && !$0.dryRun })
            }
        }
    }

    /// A send Meta refused for its template (132015 here) marks the catalogue stale: the serve
    /// loop's re-sync check sees it, and only failures after the last sync count.
    @Test func aTemplateErrorFromASendAsksForAResync() async throws {
        let f = try Fixture()
        let failedAt = local("2026-03-01", "10:00")
        try await f.store.append(.sendFailed(SendFailed(
            messageKey: "k1", clientId: "C1", installmentId: nil, stage: "D-1", channel: .whatsapp, provider: "whatsapp",
            to: "+50255551111", errorCode: "132015", retryable: false, attempts: 1, detail: "whatsapp error 132015", at: failedAt)), actor: "test")
        try await f.store.append(.sendFailed(SendFailed(
            messageKey: "k2", clientId: "C1", installmentId: nil, stage: "D-1", channel: .whatsapp, provider: "whatsapp",
            to: "+50255551111", errorCode: "131026", retryable: false, attempts: 1, detail: "whatsapp error 131026",
            at: local("2026-03-01", "12:00"))), actor: "test")
        let before = try f.store.read { try WhatsAppAccountReadModel.templateErrorSince($0, utc: Timestamps.utc(local("2026-03-01", "09:00"))) }
        let after = try f.store.read { try WhatsAppAccountReadModel.templateErrorSince($0, utc: Timestamps.utc(local("2026-03-01", "11:00"))) }
        #expect(before && !after)
    }

    @Test func aTemplateNeverSyncedIsSentAsBefore() async throws {
        let f = try Fixture()
        try await DefaultTemplateSeed.loadIfEmpty(store: f.store)
        let state = try f.store.read { try MetaTemplateLookup.state($0, for: WhatsAppTemplateRef(name: "recordatorio_pago_d1", language: "es", parameters: [])) }
        #expect(state == nil)
    }

    @Test func theApprovedBodyIsFilledWithTheValuesAvisoSends() {
        let body = "Hola {{1}}, su cuota de {{2}} vence el {{3}}. {{1}}, gracias."
        #expect(MetaTemplateBody.placeholders(in: body) == ["1", "2", "3"])
        #expect(MetaTemplateBody.render(body, parameters: ["Ana", "Q150.00", "3 de marzo"]) == "Hola Ana, su cuota de Q150.00 vence el 3 de marzo. Ana, gracias.")
        #expect(MetaTemplateBody.render(body, parameters: ["Ana"]) == "Hola Ana, su cuota de {{2}} vence el {{3}}. Ana, gracias.")
        #expect(MetaTemplateBody.placeholders(in: "Hola {{nombre}}, {{ monto }}") == ["nombre", "monto"])
    }
}

/// `aviso whatsapp sync` as a real process against the fake Graph API.
@Suite struct WhatsAppSyncCommandTests {
    /// Waits for the process on a thread of its own: blocking a cooperative thread would starve
    /// the in-process fake server (and every other test's) that the process is talking to.
    func sync(_ data: URL, environment: [String: String]) async throws -> (status: Int32, out: String, err: String) {
        let (process, out, err) = try avisoProcess(["whatsapp", "sync", "--data", data.path], environment: environment)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, output, errors))
            }
        }
    }

    @Test func theCommandRecordsTheCatalogueOnceAndSaysWhatIsMissing() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-wa-sync-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        // A data directory that exists (commands other than serve and import refuse a missing one).
        try AvisoStore(directory: DataDirectory(data)).close()
        try await withFakeWhatsApp { whatsapp in
            await whatsapp.account.setTemplates(WhatsAppAccountTests.everyStatus)
            let first = try await sync(data, environment: whatsapp.environment)
            #expect(first.status == 0, "\(first.err)")
            #expect(first.out.contains("7 templates at Meta, 7 changed, health changed"))
            let second = try await sync(data, environment: whatsapp.environment)
            #expect(second.status == 0 && second.out.contains("7 templates at Meta, 0 changed, health unchanged"))
            #expect(!(first.out + first.err + second.out + second.err).contains(whatsapp.accessToken))

            var noWABA = whatsapp.environment
            noWABA["WHATSAPP_BUSINESS_ACCOUNT_ID"] = nil
            let partial = try await sync(data, environment: noWABA)
            #expect(partial.status == 1 && partial.out.contains("WHATSAPP_BUSINESS_ACCOUNT_ID is not set"))
        }
        let unconfigured = try await sync(data, environment: [:])
        #expect(unconfigured.status != 0 && unconfigured.err.contains("WhatsApp is not configured (missing WHATSAPP_TOKEN, WHATSAPP_PHONE_ID)"))
    }
}
