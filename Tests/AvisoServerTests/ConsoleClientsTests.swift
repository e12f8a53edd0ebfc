import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13: start pages per role, client search limited to the asesor's clients, and the
/// client page (installments, phone validity, opt-outs per channel, messages, what comes next).
@Suite struct ConsoleClientsTests {
    @Test func startPagePerRole() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            #expect(try await client.console("/", session: asesor).location == "/mensajes")
            let admin = try await client.consoleLogin("admin")
            #expect(try await client.console("/", session: admin).location == "/panel")
            let cliente = try await client.consoleLogin("cliente")
            #expect(try await client.console("/", session: cliente).location == "/configuracion")
            // Signing in without a target goes to the start page.
            let login = try await client.console("/ingresar", method: .post,
                                                 form: [("login", "asesor"), ("password", TestSecrets.passwords["asesor"]!)])
            #expect(login.location == "/")
            let nav = try await client.console("/mensajes", session: asesor)
            #expect(nav.body.contains(#"<a href="/clientes""#))
        }
    }

    @Test func searchIsLimitedToTheAsesorsClients() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            let byName = try await client.console("/clientes?q=maria%20jose", session: asesor)
            #expect(byName.status == .ok)
            #expect(byName.body.contains(#"<a href="/clientes/C001">María José López</a>"#))
            #expect(byName.body.contains("1 cliente<"))
            // C003 (Ana Lucía Chávez) is Luis Morales's: not found by Ana Pérez, by name or phone.
            #expect(try await client.console("/clientes?q=chavez", session: asesor).body.contains("0 clientes"))
            #expect(try await client.console("/clientes?q=7788", session: asesor).body.contains("0 clientes"))
            let all = try await client.console("/clientes", session: asesor)
            #expect(all.body.contains("11 clientes"), "Ana Pérez has 11 of the 20 demo clients")
            #expect(!all.body.contains("C003"))
            let byPhone = try await client.console("/clientes?q=1234", session: asesor)
            #expect(byPhone.body.contains("/clientes/C001"))
            #expect(byPhone.body.contains("1 cliente<"))
            #expect(!byPhone.body.contains("55551234"), "phones masked")
            #expect(!byPhone.body.contains("C011"), "Luis Morales's client with the same last digits")
            let byId = try await client.console("/clientes?q=c006", session: asesor)
            #expect(byId.body.contains("Pedro Antonio Girón"))

            let admin = try await client.consoleLogin("admin")
            #expect(try await client.console("/clientes?q=chavez", session: admin).body.contains("/clientes/C003"))
            #expect(try await client.console("/clientes?q=7788", session: admin).body.contains("/clientes/C003"))
            #expect(try await client.console("/clientes", session: admin).body.contains("20 clientes"))

            let cliente = try await client.consoleLogin("cliente")
            #expect(try await client.console("/clientes", session: cliente).status == .forbidden)
            #expect(try await client.console("/clientes/C001", session: cliente).status == .forbidden)
        }
    }

    @Test func clientPageShowsInstallmentsPhoneOptOutsMessagesAndPlan() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        try await env.seed([.optedOut(OptedOut(clientId: "C001", phone: "+50255551234", channel: .sms, source: "keyword:BAJA"))])
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            let page = try await client.console("/clientes/C001", session: asesor)
            #expect(page.status == .ok)
            #expect(page.body.contains("María José López (C001)"))
            #expect(page.body.contains("I001-03"))
            #expect(page.body.contains("Q1,250.00"))
            #expect(page.body.contains("Pendiente"))
            #expect(page.body.contains("Válido: celular"))
            let optOuts = String(page.body.split(separator: #"id="bajas""#).last?.prefix(300) ?? "")
            #expect(optOuts.contains("SMS"))
            #expect(optOuts.contains("keyword:BAJA"))
            let messageId = try env.store.read { try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE message_key = 'k-delivered'") }!
            #expect(page.body.contains(#"href="/mensajes/\#(messageId)""#))
            #expect(page.body.contains("Entregado"))

            // C002's installment is due in two days: the plan sends D-2 today.
            let next = try await client.console("/clientes/C002", session: asesor)
            let upcoming = String(next.body.split(separator: #"id="proximos""#).last?.split(separator: "</section>").first ?? "")
            #expect(upcoming.contains("Se envía"))
            #expect(upcoming.contains("2 días antes"))
            #expect(upcoming.hasPrefix(">") && upcoming.contains("Hoy") && upcoming.contains("Mañana"))

            // C006's number is a Guatemalan fixed line.
            let fixed = try await client.console("/clientes/C006", session: asesor)
            #expect(fixed.body.contains("Teléfono fijo"))

            #expect(try await client.console("/clientes/C003", session: asesor).status == .forbidden)
            #expect(try await client.console("/clientes/NOPE", session: asesor).status == .notFound)

            // The page is a read: the plan appends nothing.
            let before = env.head
            #expect(try await client.console("/clientes/C002", session: asesor).status == .ok)
            #expect(env.head == before)
        }
    }

    @Test func clientNamesLinkToTheClientPage() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let list = try await client.console("/mensajes", session: admin)
            #expect(list.body.contains(#"<a href="/clientes/C003">Ana Lucía Chávez (C003)</a>"#))
            let id = try env.store.read { try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE message_key = 'k-failed'") }!
            #expect(try await client.console("/mensajes/\(id)", session: admin).body.contains(#"href="/clientes/C003""#))
        }
    }
}

/// Issue 13: Próximos envíos (the scheduler's plan for today and tomorrow) and the pause.
@Suite struct ConsoleUpcomingTests {
    @Test func upcomingShowsThePlanWithReasonsAndRecordsNothing() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let page = try await client.console("/proximos", session: admin)
            #expect(page.status == .ok)
            #expect(page.body.contains("Hoy, "))
            #expect(page.body.contains("Mañana, "))
            // C002's installment is due in two days: D-2 today.
            #expect(page.body.contains(#"<a href="/clientes/C002">Juan Carlos Pérez Ajú (C002)</a>"#))
            #expect(page.body.contains("Se envía"))
            // C006's fixed line: shown as not sent, with the reason.
            #expect(page.body.contains("Teléfono fijo"))
            #expect(env.head == before, "the plan appends nothing")

            let asesor = try await client.consoleLogin("asesor")
            #expect(try await client.console("/proximos", session: asesor).status == .forbidden)
        }
    }

    @Test func adminPausesAndResumesWithAReason() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let noReason = try await client.console("/proximos/pausa", method: .post, session: admin, form: [("accion", "pausar"), ("motivo", " ")])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.body.contains("Escriba el motivo"))

            let paused = try await client.console("/proximos/pausa", method: .post, session: admin,
                                                  form: [("accion", "pausar"), ("motivo", "Revisión de cartera")])
            #expect(paused.location == "/proximos?ok=pausado")
            let change = try #require(env.records().compactMap { record -> (SettingsChanged, String)? in
                if case let .settingsChanged(e) = try record.decodeEvent() { return (e, record.actor) } else { return nil }
            }.last)
            #expect(change.0.paused == true && change.0.pauseReason == "Revisión de cartera")
            #expect(change.1 == "user:\(try env.userId("admin"))")

            let page = try await client.console("/proximos", session: admin)
            #expect(page.body.contains("Envíos en pausa: «Revisión de cartera» (Admin"))
            #expect(!page.body.contains("Se envía"), "a paused plan sends nothing")
            #expect(page.body.contains(#"id="reanudar""#))
            let clientPage = try await client.console("/clientes/C002", session: admin)
            #expect(clientPage.body.contains("Envíos en pausa"))

            let asesor = try await client.consoleLogin("asesor")
            #expect(try await client.console("/proximos/pausa", method: .post, session: asesor, form: [("accion", "reanudar")]).status == .forbidden)

            let resumed = try await client.console("/proximos/pausa", method: .post, session: admin, form: [("accion", "reanudar")])
            #expect(resumed.location == "/proximos?ok=reanudado")
            #expect(try await client.console("/proximos", session: admin).body.contains("Se envía"))
        }
    }
}

/// Issue 13: Mensajería shows who changed what and when.
@Suite struct ConsoleSettingsHistoryTests {
    @Test func historyListsEachChangeWithAuthor() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let empty = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(empty.body.contains("Sin cambios registrados"))
            var form = SettingsForm(MessagingSettings.defaults).values.map { ($0.key.rawValue, $0.value) }
            form.removeAll { $0.0 == SettingsForm.Field.dailyCap.rawValue }
            form.append((SettingsForm.Field.dailyCap.rawValue, "3"))
            form += SettingsForm.knownStages.map { ("etapas", $0) } + [("sms_gsm7", "1")]
            let saved = try await client.console("/configuracion/mensajeria", method: .post, session: admin, form: form)
            #expect(saved.location == "/configuracion/mensajeria?ok=guardado")
            _ = try await client.console("/proximos/pausa", method: .post, session: admin, form: [("accion", "pausar"), ("motivo", "Feriado")])

            let asesor = try await client.consoleLogin("asesor")
            let page = try await client.console("/configuracion/mensajeria", session: asesor)
            let history = String(page.body.split(separator: #"id="historial-configuracion""#).last ?? "")
            #expect(history.contains("Máximo de mensajes por cliente al día: 3"))
            #expect(history.contains("Envíos en pausa: «Feriado»"))
            #expect(history.contains("Admin"))
            // Newest first.
            let pause = history.range(of: "Feriado")?.lowerBound, cap = history.range(of: "al día: 3")?.lowerBound
            #expect(pause != nil && cap != nil && pause! < cap!)
        }
    }
}

/// Issue 13: the message log as CSV, with the page's filters, numbers masked, scoped.
@Suite struct ConsoleExportTests {
    @Test func exportFollowsFiltersScopeAndMasksNumbers() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        try await env.seed([.messageSkipped(MessageSkipped(clientId: "C002", installmentId: nil, stage: "=HYPERLINK(\"x\")", channel: .sms,
                                                           reason: .dailyCap, at: Date()))])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes?canal=sms", session: admin)
            #expect(page.body.contains(#"href="/mensajes/exportar?canal=sms""#))
            let all = try await client.console("/mensajes/exportar", session: admin)
            #expect(all.status == .ok)
            #expect(all.contentType == "text/csv; charset=utf-8")
            let lines = all.body.split(separator: "\r\n")
            #expect(lines.first?.hasSuffix("fecha_utc,fecha_local,cliente_id,cliente,cuota,etapa,canal,estado,motivo,destino,simulacion,prueba,proveedor") == true)
            #expect(lines.count == 5, "header and four messages")
            #expect(all.body.contains("***1234") && all.body.contains("***7788"))
            #expect(!all.body.contains("55551234") && !all.body.contains("30127788"), "numbers masked")
            #expect(all.body.contains(#",'=HYPERLINK(""x""),"#) || all.body.contains(#","'=HYPERLINK(""x"")","#), "formula neutralised")
            let sms = try await client.console("/mensajes/exportar?canal=sms", session: admin)
            #expect(sms.body.split(separator: "\r\n").count == 4)
            #expect(!sms.body.contains(",whatsapp,"))

            let asesor = try await client.consoleLogin("asesor")
            let theirs = try await client.console("/mensajes/exportar", session: asesor)
            #expect(!theirs.body.contains("C003"), "another asesor's client")
            #expect(theirs.body.contains("C001"))
            let cliente = try await client.consoleLogin("cliente")
            #expect(try await client.console("/mensajes/exportar", session: cliente).status == .forbidden)
        }
    }
}

/// Issue 13: the admin's dashboard.
@Suite struct ConsoleDashboardTests {
    @Test func ratesByChannelAndStageSegmentsAndFailuresWithSimulatedApart() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        let now = Date()
        try await env.seed([
            .messageRendered(MessageRendered(messageKey: "k-sms-2", clientId: "C002", installmentId: nil, stage: "D-2", channel: .sms,
                                             text: String(repeating: "á", count: 100))),
            .messageSent(MessageSent(messageKey: "k-sms-2", clientId: "C002", installmentId: nil, stage: "D-2", channel: .sms,
                                     provider: "twilio", to: "+50241234567", messageId: "SM2", status: .sent, dryRun: false, at: now)),
            .messageSent(MessageSent(messageKey: "k-dry", clientId: "C001", installmentId: nil, stage: "D-2", channel: .whatsapp,
                                     provider: "dry-run", to: "+50255551234", messageId: "dry", status: .sent, dryRun: true, at: now)),
            .settingsChanged(SettingsChanged(smsSegmentPrice: 0.5)),
        ])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/panel", session: admin)
            #expect(page.status == .ok)
            let week = String(page.body.split(separator: "Últimos 7 días").last?.split(separator: "</section>").first ?? "")
            // WhatsApp: 1 sent, delivered. SMS: the undelivered one and the 2-part UCS-2 one (3 segments with the first's 1).
            #expect(week.contains(#"<td data-etiqueta="Canal">WhatsApp</td><td data-etiqueta="Enviados">1</td><td data-etiqueta="Entregados">1</td><td data-etiqueta="Fallidos">0</td><td data-etiqueta="Tasa de entrega">100 %</td>"#))
            #expect(week.contains(#"<td data-etiqueta="Canal">SMS</td><td data-etiqueta="Enviados">2</td><td data-etiqueta="Entregados">0</td><td data-etiqueta="Fallidos">1</td>"#))
            #expect(week.contains("1 simulaciones aparte"))
            #expect(week.contains("<strong>3</strong> segmentos"), "1 (GSM-7 text) + 2 (100 UCS-2 characters)")
            #expect(week.contains("Q1.50"))
            #expect(week.contains("30003: teléfono apagado"))
            #expect(week.contains("2 días antes del vencimiento"))

            let asesor = try await client.consoleLogin("asesor")
            #expect(try await client.console("/panel", session: asesor).status == .forbidden)
        }
    }
}

/// Issue 13: an admin lists, disables, enables and resets users; each change is an event.
@Suite struct ConsoleUsersTests {
    @Test func disableEndsSessionsAndRefusesLogin() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let asesor = try await client.consoleLogin("asesor")
            let list = try await client.console("/usuarios", session: admin)
            #expect(list.status == .ok)
            #expect(list.body.contains(#"id="usuario-otroasesor""#) && list.body.contains("Luis Morales"))
            #expect(!list.body.contains("$2"), "no password hash on the page")
            #expect(try await client.console("/usuarios", session: asesor).status == .forbidden)

            let asesorId = try env.userId("asesor")
            let off = try await client.console("/usuarios", method: .post, session: admin, form: [("usuario", asesorId), ("accion", "desactivar")])
            #expect(off.location == "/usuarios?ok=desactivado")
            let status = try env.records().compactMap { r -> (UserStatusChanged, String)? in
                if case let .userStatusChanged(e) = try r.decodeEvent() { (e, r.actor) } else { nil }
            }
            #expect(status.count == 1 && status[0].0 == UserStatusChanged(userId: asesorId, disabled: true))
            #expect(status.first?.1 == "user:\(try env.userId("admin"))")
            // The session ended, and signing in again is refused like a wrong password.
            #expect(try await client.console("/mensajes", session: asesor).status == .seeOther)
            let again = try await client.console("/ingresar", method: .post, form: [("login", "asesor"), ("password", TestSecrets.passwords["asesor"]!)])
            #expect(again.status != .seeOther)
            #expect(try await client.console("/usuarios", session: admin).body.contains("Desactivado"))

            let on = try await client.console("/usuarios", method: .post, session: admin, form: [("usuario", asesorId), ("accion", "activar")])
            #expect(on.location == "/usuarios?ok=activado")
            _ = try await client.consoleLogin("asesor")

            let adminId = try env.userId("admin")
            let selfOff = try await client.console("/usuarios", method: .post, session: admin, form: [("usuario", adminId), ("accion", "desactivar")])
            #expect(selfOff.status == .badRequest)
        }
    }

    @Test func resetShowsAOneTimePasswordThatMustBeChanged() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let asesorId = try env.userId("asesor")
            let reset = try await client.console("/usuarios", method: .post, session: admin, form: [("usuario", asesorId), ("accion", "restablecer")])
            #expect(reset.status == .ok)
            let range = try #require(reset.body.range(of: #"id="clave-unica">([A-Za-z0-9]{16})<"#, options: .regularExpression))
            let password = String(reset.body[range].dropFirst(#"id="clave-unica">"#.count).dropLast())
            #expect(!(try env.records().contains { String(decoding: $0.payload, as: UTF8.self).contains(password) }), "never in the ledger")
            #expect(try await client.console("/usuarios", session: admin).body.contains("Debe cambiar la contraseña"))
            #expect(!(try await client.console("/usuarios", session: admin).body.contains(password)), "shown once")

            let asesor = try await client.consoleLogin("asesor", password: password)
            let blocked = try await client.console("/mensajes", session: asesor)
            #expect(blocked.location == "/configuracion/credenciales?cambio=obligatorio")
            let page = try await client.console("/configuracion/credenciales?cambio=obligatorio", session: asesor)
            #expect(page.body.contains("elija una nueva"))
            let changed = try await client.console("/configuracion/credenciales", method: .post, session: asesor,
                                                   form: [("actual", password), ("nueva", "una-clave-nueva-123"), ("repetir", "una-clave-nueva-123")])
            #expect(changed.status == .seeOther)
            let after = try await client.consoleLogin("asesor", password: "una-clave-nueva-123")
            #expect(try await client.console("/mensajes", session: after).status == .ok)
        }
    }
}

/// Issue 13: "números por corregir", for admins.
@Suite struct ConsoleNumbersToFixTests {
    @Test func listsInvalidAndFixedLineNumbersWithTheReason() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/clientes/por-corregir", session: admin)
            #expect(page.status == .ok)
            // C006 (2245-6789) is a Guatemalan fixed line; C001 (5555-1234) a mobile.
            #expect(page.body.contains(#"<a href="/clientes/C006">Pedro Antonio Girón (C006)</a>"#))
            #expect(page.body.contains("Teléfono fijo"))
            #expect(!page.body.contains("/clientes/C001\""))
            #expect(try await client.console("/clientes", session: admin).body.contains(#"href="/clientes/por-corregir""#))
            let asesor = try await client.consoleLogin("asesor")
            #expect(try await client.console("/clientes/por-corregir", session: asesor).status == .forbidden)
            #expect(!(try await client.console("/clientes", session: asesor).body.contains("por-corregir")))
        }
    }
}
