import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// One provider configuration, decided from the environment at the composition root: with
/// only a Messaging Service SID (no TWILIO_FROM) real SMS go out, so every page must say so.
@Suite struct ProviderConfigurationRouteTests {
    static let messagingServiceOnly = [
        "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN": TestSecrets.twilioToken,
        "TWILIO_MESSAGING_SERVICE_SID": "MG0123456789abcdef0123456789ab4321",
        "AVISO_CRON_SECRET": TestSecrets.cronSecret, "AVISO_PUBLIC_URL": "https://aviso.example.gt",
    ]

    @Test func aMessagingServiceSIDCountsAsConfiguredEverywhere() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        var arguments = AppArguments.fromEnvironment(host: "127.0.0.1", port: 0, environment: Self.messagingServiceOnly)
        arguments.bcryptCost = 4
        // The send path: the sender built from the same arguments sends SMS for real.
        let sender = MessageSender(configuration: arguments.providerConfiguration) { _ in }
        #expect(sender.isConfigured(.sms))
        #expect(!sender.isConfigured(.whatsapp))

        let app = buildApplication(arguments, store: env.store, actions: env.actions, logger: env.logs.logger(), parts: env.parts)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                let providers = obj(response.body)["providers"] as? [String: String]
                #expect(providers?["sms"] == "twilio", "healthz: \(String(buffer: response.body))")
                #expect(providers?["whatsapp"] == "dry-run")
            }
            let admin = try await client.login("admin")
            try await client.execute(uri: "/api/notifications/preview?stage=D-2&clientId=C002&channel=sms", method: .get,
                                     headers: .session(admin)) { response in
                #expect(obj(response.body)["provider"] as? String == "twilio", "preview: \(String(buffer: response.body))")
            }
            let console = try await client.consoleLogin("admin")
            let page = try await client.console("/configuracion/mensajeria", session: console)
            let smsRow = try #require(page.body.range(of: "SMS (Twilio)").map { String(page.body[$0.upperBound...].prefix(400)) })
            #expect(smsRow.contains("Configurado"), "console: \(smsRow)")
            #expect(!smsRow.contains("Simulación"))
            #expect(smsRow.contains("Messaging Service …4321"))
        }
        env.assertLogsClean(["AC0123456789abcdef0123456789abcdef", "MG0123456789abcdef0123456789ab4321"])
    }

    @Test func theCronSecretComesFromEitherName() {
        #expect(AppArguments.fromEnvironment(host: "h", port: 1, environment: ["CRON_SECRET": "from-next"]).cronSecret == "from-next")
        #expect(AppArguments.fromEnvironment(host: "h", port: 1, environment: ["AVISO_CRON_SECRET": "ours", "CRON_SECRET": "theirs"])
            .cronSecret == "ours")
        #expect(AppArguments.fromEnvironment(host: "h", port: 1, environment: ["CRON_SECRET": "  "]).cronSecret == nil)
    }
}
