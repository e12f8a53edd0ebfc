import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13: an admin pauses one client's sending from its page, with a reason. The pause is a
/// `ClientPauseChanged` with the admin as author; the client page shows it and its history,
/// and Próximos envíos shows the client's messages skipped as paused.
@Suite struct ConsoleClientPauseTests {
    func pauseEvents(_ env: TestEnvironment) throws -> [(ClientPauseChanged, String)] {
        try env.records().compactMap { r in
            if case let .clientPauseChanged(e) = try r.decodeEvent() { (e, r.actor) } else { nil }
        }
    }

    @Test func adminPausesOneClientAndSeesThePausedSkip() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = try await client.console("/clientes/C002", session: admin)
            #expect(before.body.contains("Los envíos a este cliente están activos."))
            #expect(before.body.contains(#"id="pausar-cliente""#))

            let noReason = try await client.console("/clientes/C002/pausa", method: .post, session: admin,
                                                    form: [("accion", "pausar"), ("motivo", "  ")])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.body.contains("Escriba el motivo de la pausa."))
            #expect(try pauseEvents(env).isEmpty)

            let paused = try await client.console("/clientes/C002/pausa", method: .post, session: admin,
                                                  form: [("accion", "pausar"), ("motivo", "Arreglo de pago en trámite")])
            #expect(paused.location == "/clientes/C002?ok=pausado#pausa-cliente")
            let events = try pauseEvents(env)
            #expect(events.count == 1)
            #expect(events[0].0 == ClientPauseChanged(clientId: "C002", paused: true, reason: "Arreglo de pago en trámite"))
            #expect(events[0].1 == "user:\(try env.userId("admin"))")
            // A second submit (another tab) records nothing more.
            _ = try await client.console("/clientes/C002/pausa", method: .post, session: admin,
                                         form: [("accion", "pausar"), ("motivo", "otra vez")])
            #expect(try pauseEvents(env).count == 1)

            let page = try await client.console("/clientes/C002", session: admin)
            #expect(page.body.contains("Envíos a este cliente en pausa desde el"))
            #expect(page.body.contains("«Arreglo de pago en trámite»"))
            #expect(page.body.contains(#"id="historial-pausas""#))
            #expect(page.body.contains(#"id="reanudar-cliente""#))
            let upcoming = String(page.body.split(separator: #"id="proximos""#).last?.split(separator: "</section>").first ?? "")
            #expect(upcoming.contains("Se omite"))
            #expect(upcoming.contains("Envíos a este cliente en pausa por un administrador."))
            #expect(!upcoming.contains("Se envía"))

            let all = try await client.console("/proximos", session: admin)
            #expect(all.body.contains(#"<a href="/clientes/C002">Juan Carlos Pérez Ajú</a>: «Arreglo de pago en trámite»"#))
            let c002Row = String(all.body.split(separator: #"<a href="/clientes/C002">Juan Carlos Pérez Ajú (C002)</a>"#).dropFirst().first?
                .split(separator: "</tr>").first ?? "")
            #expect(c002Row.contains("Se omite") && c002Row.contains("en pausa"))

            // An asesor sees the pause on their client's page but may not change it.
            let asesor = try await client.consoleLogin("asesor")
            let asesorPage = try await client.console("/clientes/C002", session: asesor)
            #expect(asesorPage.body.contains("Envíos a este cliente en pausa desde el"))
            #expect(!asesorPage.body.contains(#"id="reanudar-cliente""#))
            #expect(try await client.console("/clientes/C002/pausa", method: .post, session: asesor,
                                             form: [("accion", "reanudar")]).status == .forbidden)
            #expect(try await client.console("/clientes/NOPE/pausa", method: .post, session: admin,
                                             form: [("accion", "pausar"), ("motivo", "x")]).status == .notFound)

            let resumed = try await client.console("/clientes/C002/pausa", method: .post, session: admin, form: [("accion", "reanudar")])
            #expect(resumed.location == "/clientes/C002?ok=reanudado#pausa-cliente")
            #expect(try pauseEvents(env).map(\.0.paused) == [true, false])
            let after = try await client.console("/clientes/C002", session: admin)
            #expect(after.body.contains("Los envíos a este cliente están activos."))
            #expect(after.body.contains("Reanudó los envíos"))
            #expect(after.body.contains("Pausó los envíos: «Arreglo de pago en trámite»"))
            let afterUpcoming = String(after.body.split(separator: #"id="proximos""#).last?.split(separator: "</section>").first ?? "")
            #expect(afterUpcoming.contains("Se envía"))
        }
    }
}
