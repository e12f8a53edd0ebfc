import AvisoFakeProviders
@testable import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Testing

/// The one send path end to end: request → provider (fake, over real HTTP) → ledger → read models.
@Suite struct SendPathTests {
    static let templates: [Channel: MessageTemplate] = [
        .whatsapp: MessageTemplate(stage: .dMinus2, channel: .whatsapp,
                                   body: "Hola {{nombre}}, su cuota {{cuota}} de {{monto}} vence el {{fecha_vencimiento}}.",
                                   whatsapp: WhatsAppTemplateRef(name: "recordatorio_pago_d2", language: "es", parameters: ["nombre", "monto", "fecha_vencimiento"])),
        .sms: MessageTemplate(stage: .dMinus2, channel: .sms, body: "Hola {{nombre}}, su cuota de {{monto}} vence el {{fecha_vencimiento}}."),
    ]

    static func request(phone: String = "5555-1234", preferred: PreferredChannel = .whatsapp, name: String? = "Ana Pérez",
                        dryRun: Bool = false, key: String = "run:I1:D-2") -> SendRequest {
        SendRequest(messageKey: key, clientId: "C1", installmentId: "I1", stage: "D-2", phone: phone, phoneCountry: "GT",
                    preferredChannel: preferred, templates: templates,
                    context: TemplateContext(name: name, amountMinor: 125_000, currency: "GTQ", dueDate: CalendarDate(year: 2026, month: 12, day: 1),
                                             days: 2, installmentNumber: 3, loanId: "P1"),
                    dryRun: dryRun, at: Date(timeIntervalSince1970: 1_795_700_000), actor: "scheduler")
    }

    static func sender(_ environment: [String: String], store: AvisoStore, logs: LogCapture = LogCapture()) -> MessageSender {
        MessageSender(configuration: ProviderConfiguration(environment: environment), transport: URLSessionTransport(timeout: .seconds(5)),
                      whatsappMessagesPerSecond: 1000, retryPolicy: instantRetryPolicy(), logger: logs.logger("send")) { events in
            try await store.append(events)
        }
    }

    static func whatsappEnv(_ server: FakeWhatsAppServer) -> [String: String] {
        ["WHATSAPP_TOKEN": server.accessToken, "WHATSAPP_PHONE_ID": server.phoneNumberId, "WHATSAPP_API_BASE": server.baseURL.absoluteString]
    }

    static func twilioEnv(_ server: FakeTwilioServer) -> [String: String] {
        ["TWILIO_ACCOUNT_SID": server.accountSid, "TWILIO_AUTH_TOKEN": server.authToken, "TWILIO_FROM": "+15005550006",
         "TWILIO_API_BASE": server.baseURL.absoluteString]
    }

    static func log(_ store: AvisoStore) throws -> [NotificationRecord] {
        try store.read { try NotificationRecord.order(Column("id")).fetchAll($0) }
    }

    static func types(_ store: AvisoStore) throws -> [String] {
        try store.ledger.records(after: 0, limit: 1000).map(\.type)
    }

    @Test func withNoProviderVariablesEverythingIsADryRunAndRecorded() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        let report = try await Self.sender([:], store: store).send(Self.request(preferred: .both))
        #expect(report.sentCount == 2)
        let rows = try Self.log(store)
        try #require(rows.count == 2)
        #expect(rows.allSatisfy { $0.dryRun && $0.provider == "dry-run" && $0.messageId!.hasPrefix("dry-run-") && $0.toE164 == "+50255551234" })
        #expect(Set(rows.compactMap(\.channel)) == ["whatsapp", "sms"])
        #expect(rows[0].text?.contains("Q1,250.00") == true)
        #expect(try Self.types(store) == ["MessageRendered", "MessageSent", "MessageRendered", "MessageSent"])
    }

    @Test func whatsappSendRecordsTheWamidAndTheTemplateParametersInOrder() async throws {
        try await withFakeWhatsApp { server in
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            let report = try await Self.sender(Self.whatsappEnv(server), store: store).send(Self.request())
            #expect(report.sentCount == 1)
            let request = try #require(await server.requests().first)
            #expect(request.fields["to"] == "+50255551234")
            #expect(request.fields["template.name"] == "recordatorio_pago_d2")
            #expect(request.fields["template.components.0.parameters.0.text"] == "Ana Pérez")
            #expect(request.fields["template.components.0.parameters.1.text"] == "Q1,250.00")
            #expect(request.fields["template.components.0.parameters.2.text"] == "martes 1 de diciembre de 2026")
            #expect(request.fields["biz_opaque_callback_data"] == "run:I1:D-2:whatsapp")
            let row = try #require(try Self.log(store).first)
            #expect(row.status == "accepted" && row.provider == "whatsapp" && !row.dryRun)
            #expect(row.messageId?.hasPrefix("wamid.") == true)
        }
    }

    @Test func preferredProviderMissingFallsBackToTheConfiguredOne() async throws {
        try await withFakeTwilio { twilio in
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            let report = try await Self.sender(Self.twilioEnv(twilio), store: store).send(Self.request(preferred: .whatsapp))
            #expect(report.sentCount == 1)
            #expect(await twilio.requests().count == 1)
            #expect(try Self.log(store).first?.channel == "sms")
        }
    }

    @Test func undeliverableOnWhatsappIsRetriedOnceOnSMSLinkedToTheFirst() async throws {
        try await withFakeWhatsApp { wa in
            try await withFakeTwilio { tw in
                await wa.enqueue(.error(code: 131026, httpStatus: 400, message: "Message undeliverable"))
                let store = try AvisoStore(directory: makeDataDirectory())
                defer { store.close() }
                let report = try await Self.sender(Self.whatsappEnv(wa).merging(Self.twilioEnv(tw)) { $1 }, store: store).send(Self.request())
                #expect(report.outcomes.count == 2)
                let rows = try Self.log(store)
                // `#require`: on a loaded machine a wrong count must fail the test, not crash the run.
                try #require(rows.count == 2)
                #expect(rows.map(\.status) == ["failed", "queued"])
                #expect(rows[0].errorCode == "131026")
                #expect(rows[1].channel == "sms" && rows[1].fallbackOf == "run:I1:D-2:whatsapp")
                #expect(await tw.requests().first?.fields["Body"]?.contains("Ana Pérez") == true)
            }
        }
    }

    @Test func twilio21610MarksTheNumberOptedOut() async throws {
        try await withFakeTwilio { tw in
            await tw.enqueue(.error(code: 21610, httpStatus: 400, message: "Attempt to send to unsubscribed recipient"))
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            let report = try await Self.sender(Self.twilioEnv(tw), store: store).send(Self.request(preferred: .sms))
            #expect(report.outcomes == [.failed(channel: .sms, messageKey: "run:I1:D-2:sms", code: "21610", retryable: false)])
            let optOut = try store.read { try OptOutRecord.filter(Column("phone") == "+50255551234").fetchOne($0) }
            #expect(optOut?.source == "twilio:21610")
            #expect(await tw.requests().count == 1)
        }
    }

    @Test func retriesThenSuccessAndRetriesExhaustedAreRecordedWithTheirAttempts() async throws {
        try await withFakeWhatsApp { wa in
            await wa.enqueue(.rateLimited, .serverError)
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            let sender = Self.sender(Self.whatsappEnv(wa), store: store)
            #expect(try await sender.send(Self.request(key: "a")).sentCount == 1)
            #expect(await wa.requests().count == 3)

            await wa.enqueue(.serverError, .serverError, .serverError)
            let report = try await sender.send(Self.request(key: "b"))
            #expect(report.outcomes == [.failed(channel: .whatsapp, messageKey: "b:whatsapp", code: nil, retryable: true)])
            let failed = try store.ledger.records(after: 0, limit: 100).compactMap { r -> SendFailed? in
                if case let .sendFailed(f) = try r.decodeEvent() { return f } else { return nil }
            }
            #expect(failed.map(\.attempts) == [3])
        }
    }

    @Test(arguments: [("2245-6789", "fixed_line"), ("555-123", "too_short"), ("not a phone", "not_a_number")])
    func unreachableNumbersAreIgnoredAndNothingIsSent(phone: String, reason: String) async throws {
        try await withFakeWhatsApp { wa in
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            let report = try await Self.sender(Self.whatsappEnv(wa), store: store).send(Self.request(phone: phone))
            #expect(report.outcomes == [.ignoredInvalidPhone(reason: reason)])
            #expect(await wa.requests().isEmpty)
            let row = try #require(try Self.log(store).first)
            #expect(row.status == "ignored_invalid_phone" && row.errorCode == reason)
            #expect(row.detail == Masking.phone(phone))
        }
    }

    @Test func aMissingValueIsARenderErrorNeverAMessageWithAHole() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        let report = try await Self.sender([:], store: store).send(Self.request(name: nil))
        guard case let .skipped(_, reason, detail) = try #require(report.outcomes.first) else {
            Issue.record("expected a skip, got \(report.outcomes)")
            return
        }
        #expect(reason == .renderError)
        #expect(detail.contains("nombre"))
        #expect(try !Self.types(store).contains("MessageSent"))
    }

    /// A full send and fail cycle with recognisable tokens: none of them may reach the logs,
    /// the ledger's files or the SQLite file.
    @Test func secretsNeverReachLogsLedgerOrSQLite() async throws {
        let waToken = "EAAGSECRETWHATSAPPTOKENxyz987654321"
        let twToken = "SECRETTWILIOAUTHTOKENabc123456789"
        try await withFakeWhatsApp(accessToken: waToken) { wa in
            try await withFakeTwilio(authToken: twToken) { tw in
                let directory = makeDataDirectory()
                let logs = LogCapture()
                do {
                    let store = try AvisoStore(directory: directory)
                    defer { store.close() }
                    let sender = Self.sender(Self.whatsappEnv(wa).merging(Self.twilioEnv(tw)) { $1 }, store: store, logs: logs)
                    _ = try await sender.send(Self.request(preferred: .both, key: "ok"))
                    await wa.enqueue(.error(code: 190, httpStatus: 401, message: "Error validating access token: \(waToken)"))
                    await tw.enqueue(.error(code: 21211, httpStatus: 400, message: "The 'To' number +50255551234 is not valid"))
                    _ = try await sender.send(Self.request(preferred: .both, key: "fail"))
                    #expect(try Self.log(store).map(\.status) == ["accepted", "queued", "failed", "failed"])
                }
                #expect(!logs.all.isEmpty)
                var haystacks = ["logs": Data(logs.all.utf8)]
                for file in try FileManager.default.subpathsOfDirectory(atPath: directory.url.path) {
                    let url = directory.url.appendingPathComponent(file)
                    if let data = try? Data(contentsOf: url) { haystacks[file] = data }
                }
                #expect(haystacks.keys.contains("ledger/data.mdb") && haystacks.keys.contains("aviso.sqlite"))
                for (name, data) in haystacks {
                    for secret in [waToken, twToken] {
                        #expect(data.range(of: Data(secret.utf8)) == nil, "\(secret.prefix(8))… found in \(name)")
                    }
                }
                // Full phone numbers stay out of the logs too.
                #expect(!logs.all.contains("55551234"))
            }
        }
    }
}

func makeDataDirectory() -> DataDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return DataDirectory(url)
}
