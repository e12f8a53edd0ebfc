import AvisoFakeProviders
import Foundation
import Testing

@testable import AvisoMessaging

/// Runs send + fail cycles with recognisable tokens and checks that neither the tokens, the
/// Basic credentials nor the full phone number reach the logs or any error string.
@Suite struct SecretsTests {
    static let phone = "+50255551234"

    static func leaks(in text: String) -> [String] {
        let basic = Data("\(twSid):\(twToken)".utf8).base64EncodedString()
        let forbidden = [waToken, twToken, basic, "55551234", String(waToken.prefix(12)), String(twToken.prefix(12))]
        return forbidden.filter { text.contains($0) }
    }

    static func strings(of failure: ProviderFailure) -> String {
        var dumped = ""
        dump(failure, to: &dumped)
        return [failure.summary, failure.description, String(reflecting: failure), "\(failure)", dumped].joined(separator: "\n")
    }

    @Test func whatsAppCycleLeaksNothing() async throws {
        let logs = LogCapture()
        var errorText = ""
        try await withFakeWhatsApp(accessToken: waToken) { server in
            let provider = whatsAppProvider(server, timeout: shortTimeout, logger: logs.logger("whatsapp"))
            let sender = RetryingSender(provider: provider, policy: instantRetryPolicy(), logger: logs.logger("retry"))
            // The success uses the generous timeout: on a loaded machine 300 ms can pass before a fake answers.
            _ = try await whatsAppProvider(server, logger: logs.logger("whatsapp")).send(waMessage(to: Self.phone))
            await server.enqueue(.rateLimited, .error(code: 131026, httpStatus: 400), .error(code: 999_001, httpStatus: 400), .delayed(.seconds(2), then: .success))
            for _ in 0..<3 {
                if let failure = await sender.send(waMessage(to: Self.phone)).failure { errorText += Self.strings(of: failure) }
            }
        }
        // The provider's token is rejected by a server expecting another one.
        try await withFakeWhatsApp(accessToken: "some-other-token-xyz") { server in
            let provider = whatsAppProvider(server, token: waToken, logger: logs.logger("whatsapp"))
            if let failure = await expectFailure(provider, waMessage(to: Self.phone)) { errorText += Self.strings(of: failure) }
        }
        #expect(logs.lines.current.count >= 5)
        #expect(logs.all.contains("***1234"))
        #expect(Self.leaks(in: logs.all).isEmpty, "\(logs.all)")
        #expect(Self.leaks(in: errorText).isEmpty, "\(errorText)")
    }

    @Test func twilioCycleLeaksNothing() async throws {
        let logs = LogCapture()
        var errorText = ""
        try await withFakeTwilio(accountSid: twSid, authToken: twToken) { server in
            let provider = twilioProvider(server, timeout: shortTimeout, logger: logs.logger("twilio"))
            let sender = RetryingSender(provider: provider, policy: instantRetryPolicy(), logger: logs.logger("retry"))
            _ = try await twilioProvider(server, logger: logs.logger("twilio")).send(smsMessage(to: Self.phone))
            // 21211's and 21614's real messages quote the full number.
            await server.enqueue(.error(code: 21211), .error(code: 21610), .serverError, .delayed(.seconds(2), then: .success))
            for _ in 0..<3 {
                if let failure = await sender.send(smsMessage(to: Self.phone)).failure { errorText += Self.strings(of: failure) }
            }
        }
        try await withFakeTwilio(accountSid: twSid, authToken: "a-different-token-0000") { server in
            let provider = twilioProvider(server, token: twToken, logger: logs.logger("twilio"))
            if let failure = await expectFailure(provider, smsMessage(to: Self.phone)) { errorText += Self.strings(of: failure) }
        }
        #expect(logs.all.contains("***1234"))
        #expect(Self.leaks(in: logs.all).isEmpty, "\(logs.all)")
        #expect(Self.leaks(in: errorText).isEmpty, "\(errorText)")
    }

    @Test func unknownCodesUseProviderTextWithNumbersMasked() async throws {
        // Unknown codes have no reason in our table, so the provider's own message is used,
        // and it may quote the number.
        try await withFakeTwilio { server in
            await server.enqueue(.error(code: 21999, httpStatus: 400, message: "Number +502 5555 1234 cannot receive this"))
            let failure = try #require(await expectFailure(twilioProvider(server), smsMessage(to: Self.phone)))
            #expect(failure.summary == "twilio error 21999 (HTTP 400): Number ***1234 cannot receive this")
        }
        try await withFakeWhatsApp { server in
            await server.enqueue(.error(code: 139_999, httpStatus: 400, message: "Recipient 50255551234 is odd"))
            let failure = try #require(await expectFailure(whatsAppProvider(server), waMessage(to: Self.phone)))
            #expect(failure.summary.hasPrefix("whatsapp error 139999 (HTTP 400): (#139999) Recipient ***1234 is odd [fbtrace_id A"))
        }
    }
}
