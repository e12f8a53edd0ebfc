import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13: the CSV export masks numbers unless an admin asks for them in full; that request
/// is a POST (CSRF-checked) and is recorded as `UnmaskedLogExported` (who, when, filters).
@Suite struct ConsoleUnmaskedExportTests {
    func exports(_ env: TestEnvironment) throws -> [(UnmaskedLogExported, LedgerRecord)] {
        try env.records().compactMap { r in
            if case let .unmaskedLogExported(e) = try r.decodeEvent() { (e, r) } else { nil }
        }
    }

    @Test func adminGetsFullNumbersAndTheRequestIsRecorded() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes?canal=whatsapp", session: admin)
            #expect(page.body.contains(#"<form method="post" action="/mensajes/exportar?canal=whatsapp""#))

            // The masked download records nothing.
            _ = try await client.console("/mensajes/exportar?canal=whatsapp", session: admin)
            #expect(try exports(env).isEmpty)

            let full = try await client.console("/mensajes/exportar?canal=whatsapp", method: .post, session: admin, form: [])
            #expect(full.status == .ok)
            #expect(full.contentType == "text/csv; charset=utf-8")
            #expect(full.body.contains("+50255551234"), "the full number")
            #expect(!full.body.contains(",sms,"), "the filters apply")
            let recorded = try exports(env)
            #expect(recorded.count == 1)
            #expect(recorded[0].0.filters == ["canal": "whatsapp"])
            #expect(recorded[0].0.via == "console")
            #expect(recorded[0].0.rows == full.body.split(separator: "\r\n").count - 1)
            #expect(recorded[0].1.actor == "user:\(try env.userId("admin"))")

            // An asesor may not ask for full numbers (and sees no such button).
            let asesor = try await client.consoleLogin("asesor")
            #expect(!(try await client.console("/mensajes", session: asesor).body.contains("exportar-completo")))
            let refused = try await client.console("/mensajes/exportar", method: .post, session: asesor, form: [])
            #expect(refused.status == .forbidden)
            #expect(!refused.body.contains("+50255551234"))
            #expect(try exports(env).count == 1)
        }
    }

    @Test func withoutTheCSRFTokenNothingIsExportedOrRecorded() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let forged = ConsoleSession(cookie: admin.cookie, csrf: "not-the-token")
            let answer = try await client.console("/mensajes/exportar", method: .post, session: forged, form: [])
            #expect(answer.status == .forbidden)
            #expect(!answer.body.contains("+50255551234"))
            #expect(try exports(env).isEmpty)
        }
    }
}
