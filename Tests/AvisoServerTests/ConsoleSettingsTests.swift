import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Mensajería: validation with the field marked, `SettingsChanged` with the author, and the
/// provider panel that never shows more than the last 4 characters of a secret.
@Suite struct ConsoleSettingsTests {
    static func form(_ overrides: [String: String] = [:], stages: [String] = MessagingSettings.defaults.enabledStages) -> [(String, String)] {
        let s = SettingsForm(MessagingSettings.defaults)
        var pairs = SettingsForm.Field.allCases.map { ($0.rawValue, overrides[$0.rawValue] ?? s.values[$0] ?? "") }
        pairs += stages.map { ("etapas", $0) }
        return pairs
    }

    @Test func invalidValuesAreRefusedWithTheFieldMarked() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let answer = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                  form: Self.form(["limite_diario": "-1", "silencio_inicio": "25:00",
                                                                   "zona_horaria": "Marte/Olympus", "maximo_semanal": "60",
                                                                   "whatsapp_por_segundo": "0"]))
            #expect(answer.status == .unprocessableContent)
            for field in ["limite_diario", "silencio_inicio", "zona_horaria", "maximo_semanal", "whatsapp_por_segundo"] {
                #expect(answer.body.contains(#"id="\#(field)" name="\#(field)""#))
                #expect(answer.body.contains(#"aria-describedby="\#(field)-error""#), "\(field) not marked")
            }
            #expect(!answer.body.contains(#"aria-describedby="silencio_fin-error""#))
            #expect(answer.body.contains("«25:00» no es una hora válida"))
            #expect(answer.body.contains(#"value="25:00""#), "the refused value is shown back as typed")
            #expect(env.head == before, "nothing appended")

            let stage = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                 form: Self.form(stages: ["D-2", "D-99"]))
            #expect(stage.status == .unprocessableContent)
            #expect(stage.body.contains("«D-99» no es una etapa conocida."))
        }
    }

    @Test func savingAppendsSettingsChangedWithTheAuthor() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let answer = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                  form: Self.form(["limite_diario": "3", "silencio_inicio": "21:30"],
                                                                  stages: ["D-2", "D0", "WEEKLY"]))
            #expect(answer.status == .seeOther)
            #expect(answer.location == "/configuracion/mensajeria?ok=guardado")
            let last = try #require(env.records().last)
            #expect(last.actor == "user:\(try env.userId("admin"))")
            guard case let .settingsChanged(change) = try last.decodeEvent() else { Issue.record("not SettingsChanged"); return }
            #expect(change.dailyCap == 3)
            #expect(change.quietHoursStart == "21:30")
            #expect(change.enabledStages == ["D-2", "D0", "WEEKLY"])
            #expect(change.timeZone == nil, "unchanged fields are left out")
            let settings = try env.store.read { try MessagingSettings.current($0) }
            #expect(settings.dailyCap == 3)

            let page = try await client.console("/configuracion/mensajeria?ok=guardado", session: admin)
            #expect(page.body.contains("Configuración guardada."))
            #expect(page.body.contains("por Admin"))

            let head = env.head
            let again = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                 form: Self.form(["limite_diario": "3", "silencio_inicio": "21:30"], stages: ["D-2", "D0", "WEEKLY"]))
            #expect(again.location == "/configuracion/mensajeria?ok=sin-cambios")
            #expect(env.head == head)
        }
    }

    @Test func providerPanelShowsStateAndWebhookURLs() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(page.body.contains("Simulación (dry-run)"))
            #expect(page.body.contains("https://aviso.example.gt/api/webhooks/whatsapp"))
            #expect(page.body.contains("https://aviso.example.gt/api/webhooks/twilio#rc=3&amp;rp=ct,rt,5xx"))
            #expect(page.body.contains("Configurado (TWILIO_AUTH_TOKEN)"))
            #expect(!page.body.contains(TestSecrets.twilioToken))
            #expect(!page.body.contains(TestSecrets.appSecret))
        }
    }

    @Test func configuredProvidersShowOnlyTheLastFourCharacters() {
        let token = "EAAGm0PX4ZCpsBAKZBmZCtokenvalue1234abcdWXYZ"
        let sid = "AC0123456789abcdef0123456789ab9876"
        let twilioToken = "twilio-auth-token-secret-5555"
        let configuration = ProviderConfiguration(environment: [
            "WHATSAPP_TOKEN": token, "WHATSAPP_PHONE_ID": "109876543210987",
            "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": twilioToken, "TWILIO_FROM": "+15005550006",
            "AVISO_PUBLIC_URL": "https://cobros.example.gt",
        ])
        let status = ProviderStatus(arguments: AppArguments(publicURL: "https://cobros.example.gt", twilioAuthToken: twilioToken,
                                                            providerConfiguration: configuration))
        let text = status.providers.map { "\($0.state) \($0.credential) \($0.webhookSecret)" }.joined(separator: " ")
        #expect(status.providers.allSatisfy { $0.state == "Configurado" })
        #expect(text.contains("…WXYZ"))
        #expect(text.contains("…9876"))
        for secret in [token, sid, twilioToken, String(token.dropLast(4)), String(sid.suffix(5))] {
            #expect(!text.contains(secret))
        }
        #expect(status.webhooks.map(\.url).contains("https://cobros.example.gt/api/webhooks/whatsapp"))
        #expect(status.providers[0].webhookSecret.hasPrefix("No configurado"))
    }

    @Test func smsTransliterationIsASettingOnByDefault() async throws {
        // An event written before the setting existed reads as "not set": on.
        let old = try JSONDecoder().decode(SettingsChanged.self, from: Data(#"{"dailyCap":3}"#.utf8))
        #expect(old.smsTransliteration == nil)
        #expect(MessagingSettings.defaults.applying(old).transliteratesSMS)

        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let api = try await client.login("admin", ip: "10.0.0.30")
            let preview = "/api/notifications/preview?stage=D-2&clientId=C002&channel=sms"
            let page = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(page.body.contains(#"id="sms_gsm7" name="sms_gsm7" value="1" checked"#))
            try await client.execute(uri: preview, method: .get, headers: .session(api)) { response in
                let body = obj(response.body)
                #expect((body["text"] as? String)?.contains("Juan Carlos Pérez Aju") == true, "\(body)")
                #expect((body["sms"] as? [String: Any])?["encoding"] as? String == "GSM-7")
            }
            // A post without the field (an older page) changes nothing.
            let same = try await client.console("/configuracion/mensajeria", method: .post, session: admin, form: Self.form())
            #expect(same.location == "/configuracion/mensajeria?ok=sin-cambios")

            let off = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                               form: Self.form() + [("sms_gsm7", "0")])
            #expect(off.location == "/configuracion/mensajeria?ok=guardado")
            _ = try env.store.catchUp()
            #expect(try env.store.read { try MessagingSettings.current($0) }.transliteratesSMS == false)
            let change = try env.ledgerEvents().compactMap { if case let .settingsChanged(c) = $0 { c } else { nil } }.last
            #expect(change == SettingsChanged(smsTransliteration: false))
            try await client.execute(uri: preview, method: .get, headers: .session(api)) { response in
                let body = obj(response.body)
                #expect((body["text"] as? String)?.contains("Juan Carlos Pérez Ajú") == true, "\(body)")
                #expect((body["sms"] as? [String: Any])?["encoding"] as? String == "UCS-2")
            }
            let unchecked = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(unchecked.body.contains(#"id="sms_gsm7" name="sms_gsm7" value="1">"#))

            let on = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                              form: Self.form() + [("sms_gsm7", "0"), ("sms_gsm7", "1")])
            #expect(on.location == "/configuracion/mensajeria?ok=guardado")
            _ = try env.store.catchUp()
            #expect(try env.store.read { try MessagingSettings.current($0) }.transliteratesSMS)
        }
    }

    @Test func settingsFormValidation() throws {
        #expect(SettingsForm.isTime("00:00"))
        #expect(SettingsForm.isTime("23:59"))
        for bad in ["24:00", "25:00", "7:00", "07:60", "07-00", "", "0700"] { #expect(!SettingsForm.isTime(bad), "\(bad)") }
    }
}
