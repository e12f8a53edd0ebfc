import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13: the price per SMS segment is a Mensajería setting (range-checked, in the
/// settings history), and the dashboard's cost estimate uses it.
@Suite struct ConsoleSMSPriceTests {
    @Test func priceIsASavedSettingTheDashboardUses() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.seed([
            .messageRendered(MessageRendered(messageKey: "k-sms", clientId: "C002", installmentId: nil, stage: "D-2", channel: .sms,
                                             text: String(repeating: "á", count: 100))),
            .messageSent(MessageSent(messageKey: "k-sms", clientId: "C002", installmentId: nil, stage: "D-2", channel: .sms,
                                     provider: "twilio", to: "+50241234567", messageId: "SM9", status: .sent, dryRun: false, at: Date())),
        ])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let unset = try await client.console("/panel", session: admin)
            #expect(unset.body.contains("Sin precio por segmento SMS"))
            #expect(!unset.body.contains("costo estimado <strong>"))

            for bad in ["-1", "10.5", "abc", "1e2"] {
                let refused = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                       form: ConsoleSettingsTests.form(["precio_segmento_sms": bad]))
                #expect(refused.status == .unprocessableContent, "\(bad)")
                #expect(refused.body.contains("El precio por segmento debe ser un número de 0 a 10 quetzales"), "\(bad)")
            }
            #expect(try env.store.read { try MessagingSettings.current($0).smsSegmentPrice } == nil)

            let saved = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                 form: ConsoleSettingsTests.form(["precio_segmento_sms": "0,25"]))
            #expect(saved.status == .seeOther || saved.status == .found)
            let change = try #require(env.records().compactMap { r -> (SettingsChanged, String)? in
                if case let .settingsChanged(e) = try r.decodeEvent() { (e, r.actor) } else { nil }
            }.last)
            #expect(change.0 == SettingsChanged(smsSegmentPrice: 0.25))
            #expect(change.1 == "user:\(try env.userId("admin"))")

            let settingsPage = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(settingsPage.body.contains("SMS: precio por segmento (Q): 0.25"), "in the settings history")
            #expect(settingsPage.body.contains(#"name="precio_segmento_sms" value="0.25""#))

            // 100 UCS-2 characters: 2 segments at Q0.25.
            let dashboard = try await client.console("/panel", session: admin)
            #expect(dashboard.body.contains("Precio por segmento SMS: <strong>Q0.25</strong>"))
            let week = String(dashboard.body.split(separator: "Últimos 7 días").last?.split(separator: "</section>").first ?? "")
            #expect(week.contains("<strong>2</strong> segmentos, costo estimado <strong>Q0.50</strong>"))

            // Once set, the price can change but not be emptied.
            let emptied = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                   form: ConsoleSettingsTests.form(["precio_segmento_sms": ""]))
            #expect(emptied.status == .unprocessableContent)
        }
    }

    @Test func oldSettingsEventsLeaveThePriceUnset() throws {
        let event = try JSONDecoder().decode(SettingsChanged.self, from: Data(#"{"dailyCap":3}"#.utf8))
        #expect(event.smsSegmentPrice == nil)
        #expect(MessagingSettings.defaults.applying(event).smsSegmentPrice == nil)
    }
}
