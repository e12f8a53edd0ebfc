import AvisoFakeProviders
import Foundation
import Testing

@testable import AvisoMessaging

// Real HTTP through the Hummingbird fakes on 127.0.0.1.

@Suite struct WhatsAppProviderTests {
    @Test func templateSendHasGraphShapeAndBearerAuth() async throws {
        try await withFakeWhatsApp { server in
            let accepted = try await whatsAppProvider(server).send(waMessage())
            #expect(accepted.provider == "whatsapp")
            #expect(accepted.messageId.hasPrefix("wamid."))
            #expect(accepted.initialStatus == "accepted")

            let requests = await server.requests()
            try #require(requests.count == 1)
            let r = requests[0]
            #expect(r.method == "POST")
            #expect(r.path == "/v25.0/\(server.phoneNumberId)/messages")
            #expect(r.headers["authorization"] == "Bearer \(server.accessToken)")
            #expect(r.headers["content-type"] == "application/json")
            #expect(r.authorized)
            let f = r.fields
            #expect(f["messaging_product"] == "whatsapp")
            #expect(f["recipient_type"] == "individual")
            #expect(f["to"] == "+50255551234")
            #expect(f["type"] == "template")
            #expect(f["biz_opaque_callback_data"] == "reminder:123")
            #expect(f["template.name"] == "recordatorio_pago")
            #expect(f["template.language.code"] == "es")
            #expect(f["template.components.0.type"] == "body")
            // Positional parameters, in order.
            #expect(f["template.components.0.parameters.0.text"] == "Ana")
            #expect(f["template.components.0.parameters.1.text"] == "Q150.00")
            #expect(f["template.components.0.parameters.2.text"] == "15/07")
            #expect(f["template.components.0.parameters.0.type"] == "text")
            #expect(f["template.components.0.parameters.3.text"] == nil)
            #expect(f["text.body"] == nil)
        }
    }

    @Test func freeTextOnlyWhenAllowed() async throws {
        try await withFakeWhatsApp { server in
            _ = try await whatsAppProvider(server).send(waMessage(freeText: true))
            let f = try #require(await server.requests().first).fields
            #expect(f["type"] == "text")
            #expect(f["text.body"] == "Hola Ana, su pago de Q150.00 vence el 15/07.")
            #expect(f["text.preview_url"] == "false")
            #expect(f["template.name"] == nil)
        }
    }

    @Test func noTemplateAndNoFreeTextFailsWithoutARequest() async throws {
        try await withFakeWhatsApp { server in
            let failure = await expectFailure(whatsAppProvider(server), waMessage(template: nil, freeText: false))
            #expect(failure?.kind == .permanent)
            #expect(await server.requests().isEmpty)
        }
    }

    @Test func templateWithoutVariablesSendsNoComponents() async throws {
        try await withFakeWhatsApp { server in
            let hello = WhatsAppTemplateCall(name: "hello_world", language: "es_MX", bodyParameters: [])
            _ = try await whatsAppProvider(server).send(waMessage(template: hello))
            let r = try #require(await server.requests().first)
            #expect(r.fields["template.language.code"] == "es_MX")
            #expect(!r.body.contains("components"))
        }
    }

    @Test func numberWithoutPlusIsRejectedLocally() async throws {
        try await withFakeWhatsApp { server in
            let failure = await expectFailure(whatsAppProvider(server), waMessage(to: "50255551234"))
            #expect(failure?.kind == .permanent)
            #expect(await server.requests().isEmpty)
        }
    }

    @Test(arguments: [
        (131026, 400, ProviderFailureKind.fallbackToSMS),
        (131047, 400, .fallbackToSMS),
        (132001, 404, .permanent),
        (132000, 400, .permanent),
        (131050, 400, .permanent),
        (368, 403, .stopChannel),
        (131031, 403, .stopChannel),
        (190, 401, .authentication),
        (130429, 429, .retryable),
        (131056, 400, .retryable),
        (131000, 500, .retryable),
        (999_999, 400, .permanent),  // unknown code: by HTTP status
        (999_999, 503, .retryable),
    ])
    func graphErrorsAreClassified(code: Int, status: Int, kind: ProviderFailureKind) async throws {
        try await withFakeWhatsApp { server in
            await server.enqueue(.error(code: code, httpStatus: status))
            let failure = try #require(await expectFailure(whatsAppProvider(server), waMessage()))
            #expect(failure.kind == kind)
            #expect(failure.code == code)
            #expect(failure.httpStatus == status)
            #expect(failure.provider == "whatsapp")
            #expect(failure.traceId?.hasPrefix("A") == true)  // fbtrace_id kept for Meta support
            #expect(failure.summary.contains("\(code)"))
        }
    }

    @Test func wrongTokenIsAnAuthenticationFailure() async throws {
        try await withFakeWhatsApp { server in
            let failure = await expectFailure(whatsAppProvider(server, token: "not-the-token"), waMessage())
            #expect(failure?.kind == .authentication)
            #expect(failure?.code == 190)
            let recorded = await server.requests()
            #expect(recorded.count == 1 && !recorded[0].authorized)
        }
    }

    @Test func plain500IsRetryable() async throws {
        try await withFakeWhatsApp { server in
            await server.enqueue(.serverError)
            let failure = await expectFailure(whatsAppProvider(server), waMessage())
            #expect(failure?.kind == .retryable)
            #expect(failure?.code == nil)
            #expect(failure?.httpStatus == 500)
        }
    }

    @Test func rateLimitedTwiceThenSucceeds() async throws {
        try await withFakeWhatsApp { server in
            await server.enqueue(.rateLimited, .rateLimited)
            let slept = Locked<[Duration]>([])
            let sender = RetryingSender(provider: whatsAppProvider(server), policy: instantRetryPolicy(slept: slept))
            let outcome = await sender.send(waMessage())
            #expect(outcome.acceptance?.messageId.hasPrefix("wamid.") == true)
            #expect(outcome.attempts == 3)
            #expect(await server.requests().count == 3)
            #expect(slept.current.map(ms) == [10, 20])  // exponential ceilings (random = ceiling)
        }
    }

    @Test func retriesAreBounded() async throws {
        try await withFakeWhatsApp { server in
            await server.enqueue(.rateLimited, .rateLimited, .rateLimited, .rateLimited)
            let sender = RetryingSender(provider: whatsAppProvider(server), policy: instantRetryPolicy())
            let outcome = await sender.send(waMessage())
            #expect(outcome.attempts == 3)
            #expect(outcome.failure?.kind == .retryable)
            #expect(outcome.failure?.code == 130429)
            #expect(await server.requests().count == 3)
        }
    }

    @Test func fallbackIsNotRetried() async throws {
        try await withFakeWhatsApp { server in
            await server.enqueue(.error(code: 131026, httpStatus: 400))
            let sender = RetryingSender(provider: whatsAppProvider(server), policy: instantRetryPolicy())
            let outcome = await sender.send(waMessage())
            #expect(outcome.failure?.kind == .fallbackToSMS)
            #expect(outcome.attempts == 1)
            #expect(await server.requests().count == 1)
        }
    }

    @Test func timeoutIsRetryable() async throws {
        try await withFakeWhatsApp { server in
            await server.enqueue(.delayed(.seconds(2), then: .success))
            let failure = await expectFailure(whatsAppProvider(server, timeout: shortTimeout), waMessage())
            #expect(failure?.kind == .retryable)
            #expect(failure?.code == nil)
            #expect(failure?.httpStatus == nil)
            #expect(failure?.summary.contains("timedOut") == true)
        }
    }

    @Test func waitsOnTheRateLimiterBeforeEachRequest() async throws {
        let clock = ManualClock()
        let limiter = SendRateLimiter(ratePerSecond: 20, burst: 1, timing: clock.timing)
        try await withFakeWhatsApp { server in
            let provider = whatsAppProvider(server, limiter: limiter)
            for _ in 0..<3 { _ = try await provider.send(waMessage()) }
            #expect(await server.requests().count == 3)
        }
        // First send uses the bucket's token; the next two each wait 1/20 s.
        #expect(clock.sleeps.current.map(ms) == [50, 50])
    }
}

@Suite struct TwilioProviderTests {
    @Test func sendPostsFormWithBasicAuthAndStatusCallback() async throws {
        try await withFakeTwilio { server in
            let accepted = try await twilioProvider(server).send(smsMessage())
            #expect(accepted.provider == "twilio")
            #expect(accepted.messageId.hasPrefix("SM"))
            #expect(accepted.initialStatus == "queued")

            let r = try #require(await server.requests().first)
            #expect(r.method == "POST")
            #expect(r.path == "/2010-04-01/Accounts/\(server.accountSid)/Messages.json")
            #expect(r.headers["content-type"] == "application/x-www-form-urlencoded")
            let basic = "Basic " + Data("\(server.accountSid):\(server.authToken)".utf8).base64EncodedString()
            #expect(r.headers["authorization"] == basic)
            #expect(r.fields["To"] == "+50255551234")  // '+' survived encoding as %2B
            #expect(r.body.contains("To=%2B50255551234"))
            #expect(r.fields["Body"] == "Hola Ana: su cuota de Q150.00 vence mañana & gracias")
            #expect(r.fields["From"] == "+15005550006")
            #expect(r.fields["MessagingServiceSid"] == nil)
            #expect(r.fields["StatusCallback"] == "https://aviso.example.gt/api/webhooks/twilio#rc=3&rp=ct,rt,5xx")
        }
    }

    @Test func messagingServiceSidReplacesFrom() async throws {
        try await withFakeTwilio { server in
            let provider = twilioProvider(server, sender: .messagingService("MG11111111111111111111111111111111"), publicURL: nil)
            let accepted = try await provider.send(smsMessage())
            #expect(accepted.initialStatus == "accepted")  // Messaging Service sends start "accepted"
            let f = try #require(await server.requests().first).fields
            #expect(f["MessagingServiceSid"] == "MG11111111111111111111111111111111")
            #expect(f["From"] == nil)
            #expect(f["StatusCallback"] == nil)  // no AVISO_PUBLIC_URL, no callback
        }
    }

    @Test(arguments: [
        (21211, 400, ProviderFailureKind.permanent),
        (21408, 400, .permanent),
        (21612, 400, .permanent),
        (21614, 400, .permanent),
        (21610, 400, .optedOut),
        (20003, 401, .authentication),
        (20429, 429, .retryable),
        (21611, 400, .retryable),
        (99_999, 400, .permanent),
        (99_999, 502, .retryable),
    ])
    func twilioErrorsAreClassified(code: Int, status: Int, kind: ProviderFailureKind) async throws {
        try await withFakeTwilio { server in
            await server.enqueue(.error(code: code, httpStatus: status))
            let failure = try #require(await expectFailure(twilioProvider(server), smsMessage()))
            #expect(failure.kind == kind)
            #expect(failure.code == code)
            #expect(failure.httpStatus == status)
            #expect(failure.provider == "twilio")
            #expect(failure.summary.contains("\(code)"))
            #expect(!failure.summary.contains("55551234"))
        }
    }

    @Test func optedOutIsNeverRetried() async throws {
        try await withFakeTwilio { server in
            await server.enqueue(.error(code: 21610, httpStatus: 400))
            let outcome = await RetryingSender(provider: twilioProvider(server), policy: instantRetryPolicy()).send(smsMessage())
            #expect(outcome.failure?.kind == .optedOut)
            #expect(outcome.attempts == 1)
            #expect(await server.requests().count == 1)
        }
    }

    @Test func wrongTokenIsAnAuthenticationFailure() async throws {
        try await withFakeTwilio { server in
            let failure = await expectFailure(twilioProvider(server, token: "wrong-token-123456"), smsMessage())
            #expect(failure?.kind == .authentication)
            #expect(failure?.code == 20003)
        }
    }

    @Test func rateLimitedTwiceThenSucceeds() async throws {
        try await withFakeTwilio { server in
            await server.enqueue(.rateLimited, .rateLimited)
            let outcome = await RetryingSender(provider: twilioProvider(server), policy: instantRetryPolicy()).send(smsMessage())
            #expect(outcome.acceptance?.messageId.hasPrefix("SM") == true)
            #expect(outcome.attempts == 3)
            #expect(await server.requests().count == 3)
        }
    }

    @Test func serverErrorsExhaustRetries() async throws {
        try await withFakeTwilio { server in
            await server.enqueue(.serverError, .serverError, .serverError)
            let outcome = await RetryingSender(provider: twilioProvider(server), policy: instantRetryPolicy()).send(smsMessage())
            #expect(outcome.failure?.kind == .retryable)
            #expect(outcome.failure?.httpStatus == 500)
            #expect(outcome.attempts == 3)
            #expect(await server.requests().count == 3)
        }
    }

    @Test func unknownError30008IsRetriedOnlyOnce() async throws {
        try await withFakeTwilio { server in
            await server.enqueue(.error(code: 30008, httpStatus: 400), .error(code: 30008, httpStatus: 400), .success)
            let outcome = await RetryingSender(provider: twilioProvider(server), policy: instantRetryPolicy()).send(smsMessage())
            #expect(outcome.failure?.code == 30008)
            #expect(outcome.attempts == 2)
            #expect(await server.requests().count == 2)
        }
    }

    @Test func timeoutIsRetryable() async throws {
        try await withFakeTwilio { server in
            await server.enqueue(.delayed(.seconds(2), then: .success))
            let failure = await expectFailure(twilioProvider(server, timeout: shortTimeout), smsMessage())
            #expect(failure?.kind == .retryable)
            #expect(failure?.code == nil)
        }
    }

    @Test func fetchStatusReadsTheStoredMessage() async throws {
        try await withFakeTwilio { server in
            let provider = twilioProvider(server)
            let sid = try await provider.send(smsMessage()).messageId
            #expect(try await provider.fetchStatus(messageId: sid) == "queued")
            await server.setStatus("delivered", forMessage: sid)
            #expect(try await provider.fetchStatus(messageId: sid) == "delivered")

            let last = try #require(await server.requests().last)
            #expect(last.method == "GET")
            #expect(last.path == "/2010-04-01/Accounts/\(server.accountSid)/Messages/\(sid).json")

            await #expect(throws: ProviderFailure.self) { try await provider.fetchStatus(messageId: "SMdoesnotexist") }
            await #expect(throws: ProviderFailure.self) { try await provider.fetchStatus(messageId: "../../etc") }
        }
    }
}

@Suite struct DryRunTests {
    @Test func unconfiguredChannelsGoDryRunWithoutARequest() async throws {
        let transport = RecordingTransport()
        let config = ProviderConfiguration(environment: [:])
        for channel in Channel.allCases {
            let provider = config.makeProvider(for: channel, transport: transport)
            #expect(provider is DryRunProvider)
            #expect(provider.channel == channel)
            let accepted = try await provider.send(channel == .sms ? smsMessage() : waMessage())
            #expect(accepted.provider == "dry-run")
            #expect(accepted.messageId.hasPrefix("dry-run-"))
            #expect(UUID(uuidString: String(accepted.messageId.dropFirst("dry-run-".count))) != nil)
        }
        #expect(transport.calls.current == 0)
    }

    @Test func configuredChannelsGetRealProviders() {
        let config = ProviderConfiguration(environment: fullEnvironment)
        #expect(config.makeProvider(for: .whatsapp) is WhatsAppCloudProvider)
        #expect(config.makeProvider(for: .sms) is TwilioSMSProvider)
    }
}
