import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Mensajes: the log with filters and paging, an asesor limited to their clients, each
/// message's timeline from the ledger, the 30-day chart, and test sends.
@Suite struct ConsoleMessagesTests {
    /// C001 and C002 are Ana Pérez's (the `asesor` login); C003 is Luis Morales's.
    static func seedMessages(_ env: TestEnvironment) async throws {
        let now = Date()
        try await env.seed([
            .messageRendered(MessageRendered(messageKey: "k-delivered", clientId: "C001", installmentId: "I001-03", stage: "D-2",
                                             channel: .whatsapp, text: "Hola María", templateVersion: 1)),
            .messageSent(MessageSent(messageKey: "k-delivered", clientId: "C001", installmentId: "I001-03", stage: "D-2", channel: .whatsapp,
                                     provider: "whatsapp", to: "+50255551234", messageId: "wamid.AAA", status: .sent, dryRun: false, at: now)),
            .deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.AAA", status: .delivered, providerTime: now)),
            .messageRendered(MessageRendered(messageKey: "k-failed", clientId: "C003", installmentId: nil, stage: "D+1",
                                             channel: .sms, text: "Hola Ana")),
            .messageSent(MessageSent(messageKey: "k-failed", clientId: "C003", installmentId: nil, stage: "D+1", channel: .sms,
                                     provider: "twilio", to: "+50230127788", messageId: "SM123", status: .queued, dryRun: false, at: now)),
            .deliveryStatusReceived(DeliveryStatusReceived(provider: "twilio", messageId: "SM123", status: .undelivered, errorCode: "30003", providerTime: now)),
            .messageSkipped(MessageSkipped(clientId: "C002", installmentId: nil, stage: "D0", channel: .sms, reason: .quietHours, at: now)),
        ])
    }

    /// Thirty weekly summaries skipped by the daily cap for C004: more than a page.
    static func seedDailyCapSkips(_ env: TestEnvironment, at now: Date = Date()) async throws {
        try await env.seed((0..<30).map { i in
            .messageSkipped(MessageSkipped(clientId: "C004", installmentId: nil, stage: "WEEKLY_\(i % 3 + 1)", channel: .whatsapp,
                                           reason: .dailyCap, at: now))
        })
    }

    @Test func adminSeesEverythingWithTimelineAndChart() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await Self.seedMessages(env)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes", session: admin)
            #expect(page.status == .ok)
            #expect(page.body.contains("3 mensajes"))
            #expect(page.body.contains("Entregado"))
            #expect(page.body.contains("30003: teléfono apagado o fuera de cobertura"))
            #expect(page.body.contains("Horario de silencio"))
            #expect(page.body.contains("***1234"))
            #expect(!page.body.contains("55551234"), "phone numbers are masked")
            #expect(page.body.contains("<svg class=\"grafica\""))
            #expect(page.body.components(separatedBy: "<rect ").count - 1 == 90, "30 days × 3 bars")
            #expect(page.body.contains("1 enviado, 1 entregado, 1 fallido"))

            let failedId = try env.store.read { try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE message_key = 'k-failed'") }!
            let detail = try await client.console("/mensajes/\(failedId)", session: admin)
            #expect(detail.status == .ok)
            let timeline = String(detail.body.split(separator: #"id="linea-de-tiempo""#, maxSplits: 1).last ?? "")
            let order = ["Texto generado", "Enviado (en cola)", "No entregado"].map { timeline.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil })
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "timeline in ledger order")
            #expect(detail.body.contains("30003: teléfono apagado"))

            let skippedId = try env.store.read { try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE status = 'skipped'") }!
            let skipped = try await client.console("/mensajes/\(skippedId)", session: admin)
            #expect(skipped.body.contains("Omitido"))
            #expect(skipped.body.contains("Horario de silencio"))

            #expect(try await client.console("/mensajes/999999", session: admin).status == .notFound)
        }
    }

    @Test func filtersAndPaging() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await Self.seedMessages(env)
        let now = Date()
        try await Self.seedDailyCapSkips(env, at: now)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let skipped = try await client.console("/mensajes?estado=skipped", session: admin)
            #expect(skipped.body.contains("31 mensajes"))
            #expect(skipped.body.contains("Página 1 de 2"))
            #expect(skipped.body.contains(#"href="/mensajes?estado=skipped&amp;pagina=2""#))
            let second = try await client.console("/mensajes?estado=skipped&pagina=2", session: admin)
            #expect(second.body.contains("Página 2 de 2"))
            #expect(second.body.components(separatedBy: "Límite diario alcanzado").count - 1
                    + second.body.components(separatedBy: "Horario de silencio").count - 1 == 6)

            let weekly = try await client.console("/mensajes?etapa=WEEKLY", session: admin)
            #expect(weekly.body.contains("30 mensajes"))
            let byClient = try await client.console("/mensajes?cliente=C001&canal=whatsapp", session: admin)
            #expect(byClient.body.contains("1 mensaje<"))

            let today = Timestamps.localDate(now, in: TimeZone(identifier: "America/Guatemala")!)
            let inRange = try await client.console("/mensajes?desde=\(today)&hasta=\(today)", session: admin)
            #expect(inRange.body.contains("33 mensajes"))
            let past = try await client.console("/mensajes?desde=2020-01-01&hasta=2020-01-31", session: admin)
            #expect(past.body.contains("0 mensajes"))
            let bad = try await client.console("/mensajes?desde=ayer", session: admin)
            #expect(bad.body.contains("AAAA-MM-DD"))
        }
    }

    @Test func asesorSeesOnlyTheirClients() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await Self.seedMessages(env)
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            let page = try await client.console("/mensajes", session: asesor)
            #expect(page.body.contains("2 mensajes"))
            #expect(!page.body.contains("C003"))
            #expect(page.body.contains("0 fallidos"))
            let failedId = try env.store.read { try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE message_key = 'k-failed'") }!
            #expect(try await client.console("/mensajes/\(failedId)", session: asesor).status == .forbidden)
            // Asking by filter for someone else's client shows nothing.
            let other = try await client.console("/mensajes?cliente=C003", session: asesor)
            #expect(other.body.contains("0 mensajes"))

            let otro = try await client.consoleLogin("otroasesor")
            let theirs = try await client.console("/mensajes", session: otro)
            #expect(theirs.body.contains("1 mensaje<"))
        }
    }

    @Test func testSendGoesThroughTheTestEndpointDryRunByDefault() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            let answer = try await client.console("/mensajes/prueba", method: .post, session: asesor,
                                                  form: [("cliente", "C001"), ("canal", "sms"), ("simulacion", "1"), ("volver", "/mensajes")])
            #expect(answer.status == .ok)
            #expect(answer.body.contains("(simulación)"))
            let call = try #require(env.actions.recorded.last)
            #expect(call.kind == "test")
            #expect(call.dryRun)
            #expect(call.actor == "user:\(try env.userId("asesor"))")
            #expect(call.test?.channel == .sms)

            let notMine = try await client.console("/mensajes/prueba", method: .post, session: asesor,
                                                   form: [("cliente", "C003"), ("simulacion", "1")])
            #expect(notMine.status == .forbidden)
            #expect(notMine.body.contains("No puede enviar pruebas a ese cliente."))
            #expect(env.actions.recorded.count == 1)

            let cliente = try await client.consoleLogin("cliente")
            let refused = try await client.console("/mensajes/prueba", method: .post, session: cliente, form: [("cliente", "C001")])
            #expect(refused.status == .forbidden)
        }
    }
}
