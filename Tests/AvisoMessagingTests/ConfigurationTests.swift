import Foundation
import Testing

@testable import AvisoMessaging

let waToken = "EAAGm0PX4ZCpsBAKZBRECOGNISABLEwaTOKEN9f2c"
let twToken = "twilioAUTHtokenRECOGNISABLE77c1"
let twSid = "AC9d8f7e6d5c4b3a2918a7b6c5d4e3f2a1"

let fullEnvironment: [String: String] = [
    "WHATSAPP_TOKEN": waToken,
    "WHATSAPP_PHONE_ID": "106540352242922",
    "TWILIO_ACCOUNT_SID": twSid,
    "TWILIO_AUTH_TOKEN": twToken,
    "TWILIO_FROM": "+15005550006",
    "AVISO_PUBLIC_URL": "https://aviso.example.gt/",
]

@Suite struct ConfigurationTests {
    @Test func emptyEnvironmentIsNotConfigured() {
        let config = ProviderConfiguration(environment: [:])
        #expect(config.whatsapp == nil)
        #expect(config.twilio == nil)
        #expect(!config.isConfigured(.whatsapp) && !config.isConfigured(.sms))
        #expect(config.missing["whatsapp"] == ["WHATSAPP_TOKEN", "WHATSAPP_PHONE_ID"])
        #expect(config.missing["twilio"]?.contains("TWILIO_AUTH_TOKEN") == true)
        #expect(config.description.contains("whatsapp: not configured"))
        #expect(config.description.contains("twilio: not configured"))
    }

    @Test func fullEnvironmentUsesDefaultsAndPinnedVersion() throws {
        let config = ProviderConfiguration(environment: fullEnvironment)
        let wa = try #require(config.whatsapp)
        #expect(wa.apiBase.absoluteString == "https://graph.facebook.com")
        #expect(wa.graphVersion == "v25.0")
        #expect(wa.messagesURL.absoluteString == "https://graph.facebook.com/v25.0/106540352242922/messages")
        let tw = try #require(config.twilio)
        #expect(tw.apiBase.absoluteString == "https://api.twilio.com")
        #expect(tw.sender == .from("+15005550006"))
        // Trailing slash on AVISO_PUBLIC_URL doesn't double up.
        #expect(tw.statusCallback == "https://aviso.example.gt/api/webhooks/twilio#rc=3&rp=ct,rt,5xx")
    }

    @Test func messagingServiceWinsOverFrom() throws {
        var env = fullEnvironment
        env["TWILIO_MESSAGING_SERVICE_SID"] = "MG0123456789abcdef0123456789abcdef"
        #expect(try #require(ProviderConfiguration(environment: env).twilio).sender == .messagingService("MG0123456789abcdef0123456789abcdef"))
        env["TWILIO_FROM"] = nil
        #expect(ProviderConfiguration(environment: env).twilio != nil)
        env["TWILIO_MESSAGING_SERVICE_SID"] = nil
        #expect(ProviderConfiguration(environment: env).twilio == nil)
    }

    @Test func blankOrInvalidValuesCountAsMissing() {
        var env = fullEnvironment
        env["WHATSAPP_TOKEN"] = "   "
        env["TWILIO_API_BASE"] = "not a url"
        let config = ProviderConfiguration(environment: env)
        #expect(config.whatsapp == nil)
        #expect(config.twilio == nil)
        #expect(config.missing["twilio"] == ["TWILIO_API_BASE (invalid)"])
    }

    @Test func overriddenBasesAreUsed() throws {
        var env = fullEnvironment
        env["WHATSAPP_API_BASE"] = "http://127.0.0.1:9999"
        env["TWILIO_API_BASE"] = "http://127.0.0.1:9998"
        let config = ProviderConfiguration(environment: env)
        #expect(try #require(config.whatsapp).messagesURL.absoluteString == "http://127.0.0.1:9999/v25.0/106540352242922/messages")
        #expect(try #require(config.twilio).accountURL.absoluteString == "http://127.0.0.1:9998/2010-04-01/Accounts/\(twSid)")
    }

    @Test func everyStringFormShowsAtMostTheLastFourOfASecret() {
        let config = ProviderConfiguration(environment: fullEnvironment)
        var dumped = ""
        dump(config, to: &dumped)
        var dumpedWA = ""
        dump(config.whatsapp, to: &dumpedWA)
        var dumpedTW = ""
        dump(config.twilio, to: &dumpedTW)
        let forms = [
            config.description, config.debugDescription, "\(config)", String(reflecting: config), dumped,
            "\(config.whatsapp!)", String(reflecting: config.whatsapp!), dumpedWA,
            "\(config.twilio!)", String(reflecting: config.twilio!), dumpedTW,
            "\(config.twilio!.authToken)", String(reflecting: config.twilio!.authToken),
        ]
        for form in forms {
            #expect(!form.contains(waToken), "\(form)")
            #expect(!form.contains(twToken), "\(form)")
            #expect(!form.contains(twSid), "\(form)")
            #expect(!form.contains(String(waToken.dropLast(4).suffix(8))), "\(form)")
        }
        #expect(config.description.contains("…" + waToken.suffix(4)))
        #expect(config.description.contains("…" + twToken.suffix(4)))
        #expect(config.description.contains("…" + twSid.suffix(4)))
        #expect(Secret("short").description == "***")
    }

    @Test func redactionHelpers() {
        #expect(Masking.phone("+50255551234") == "***1234")
        #expect(Masking.phone("12") == "***")
        let scrubbed = Redaction.scrubProviderText("The 'To' number +502 5555-1234 is not valid (#130429)")
        #expect(scrubbed == "The 'To' number ***1234 is not valid (#130429)")
    }
}
