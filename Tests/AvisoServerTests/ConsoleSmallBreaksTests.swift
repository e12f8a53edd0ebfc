import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13's small breaks, one regression test each (the live preview's client switch is a
/// browser test in `BrowserTests`, the WhatsApp preview fields in `NotificationRouteTests`).
@Suite struct ConsoleSmallBreaksTests {
    @Test func aPagePastTheLastShowsTheLastPage() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedDailyCapSkips(env)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes?estado=skipped&pagina=99", session: admin)
            #expect(page.status == .ok)
            #expect(page.body.contains("Página 2 de 2"))
            #expect(!page.body.contains("Página 99"))
            #expect(page.body.contains(#"href="/mensajes?estado=skipped&amp;pagina=1""#), "the previous page is the first")
            #expect(!page.body.contains(#"rel="next""#))
            // The last page's five rows, not an empty table.
            #expect(page.body.components(separatedBy: "Límite diario alcanzado").count - 1 == 5)
        }
    }

    @Test func errorPagesKeepTheNavigationAndLogout() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let missing = try await client.console("/mensajes/999999", session: admin)
            #expect(missing.status == .notFound)
            #expect(missing.body.contains("No encontrado"))
            #expect(missing.body.contains(#"<a href="/mensajes""#))
            #expect(missing.body.contains("Cerrar sesión"))
            #expect(missing.body.contains(#"name="_csrf" value="\#(admin.csrf)""#), "logout works from the error page")

            let cliente = try await client.consoleLogin("cliente")
            let forbidden = try await client.console("/configuracion/plantillas", session: cliente)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.body.contains("no tiene permiso"))
            #expect(forbidden.body.contains("Cerrar sesión"))
            #expect(forbidden.body.contains(#"<a href="/configuracion""#))
            #expect(!forbidden.body.contains(#"<a href="/mensajes""#), "a cliente's navigation, not an admin's")

            // Signed out: still the sign-in redirect, no navigation.
            let anonymous = try await client.console("/mensajes/999999")
            #expect(anonymous.status == .seeOther)
        }
    }

    @Test func headerNamesTheRoleOnlyWhenItAddsSomething() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await UserAdmin.create(login: "jefa", role: .admin, name: "Administrador", clientId: nil,
                                   password: "jefa-password-0009", in: env.store, actor: "test", cost: 4)
        try await env.test { client in
            let jefa = try await client.consoleLogin("jefa", password: "jefa-password-0009")
            let page = try await client.console("/mensajes", session: jefa)
            #expect(page.body.contains(#"<span class="usuario">Administrador</span>"#))
            #expect(!page.body.contains("Administrador · Administrador"))

            let asesor = try await client.consoleLogin("asesor")
            let theirs = try await client.console("/mensajes", session: asesor)
            #expect(theirs.body.contains(#"<span class="usuario">Ana Pérez · Asesor</span>"#))
        }
    }

    @Test func whatsAppTemplatePageShowsNoSMSFigures() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let whatsapp = try await client.console("/configuracion/plantillas?etapa=D0&canal=whatsapp", session: admin)
            #expect(!whatsapp.body.contains("segmentos"))
            #expect(!whatsapp.body.contains("Codificación SMS"))
            let sms = try await client.console("/configuracion/plantillas?etapa=D0&canal=sms", session: admin)
            #expect(sms.body.contains("segmentos"))
        }
    }

    @Test func dryRunSendsAreCountedApartInTheChart() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let now = Date()
        try await env.seed([
            .messageSent(MessageSent(messageKey: "k-dry-1", clientId: "C001", installmentId: "I001-03", stage: "D-2", channel: .whatsapp,
                                     provider: "dry-run", to: "+50255551234", messageId: "dry-1", status: .sent, dryRun: true, at: now)),
            .messageSent(MessageSent(messageKey: "k-dry-2", clientId: "C002", installmentId: nil, stage: "D-2", channel: .sms,
                                     provider: "dry-run", to: "+50241234567", messageId: "dry-2", status: .sent, dryRun: true, at: now)),
            .messageSent(MessageSent(messageKey: "k-real", clientId: "C003", installmentId: nil, stage: "D+1", channel: .sms,
                                     provider: "twilio", to: "+50230127788", messageId: "SM1", status: .queued, dryRun: false, at: now)),
        ])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes", session: admin)
            #expect(page.body.contains("1 enviado, 0 entregados, 0 fallidos"), "only the real send is a sent bar")
            #expect(page.body.contains("2 simulaciones (no enviadas"))
            // The rows themselves still say which were simulated.
            #expect(page.body.components(separatedBy: "simulación").count - 1 >= 2)
        }
    }
}
