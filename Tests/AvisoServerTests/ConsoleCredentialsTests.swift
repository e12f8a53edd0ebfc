import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Credenciales: everyone changes their own password; clear errors change nothing; success
/// appends `CredentialChanged` (hash only) and ends the user's other sessions.
@Suite struct ConsoleCredentialsTests {
    @Test func refusalsChangeNothing() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let cliente = try await client.consoleLogin("cliente")
            let current = TestSecrets.passwords["cliente"]!
            let before = env.head
            let cases: [([(String, String)], String, String)] = [
                ([("actual", "equivocada-123"), ("nueva", "nueva-clave-segura"), ("repetir", "nueva-clave-segura")],
                 "actual", "La contraseña actual no es correcta."),
                ([("actual", current), ("nueva", "corta"), ("repetir", "corta")], "nueva", "al menos 10 caracteres"),
                ([("actual", current), ("nueva", current), ("repetir", current)], "nueva", "distinta de la actual"),
                ([("actual", current), ("nueva", "nueva-clave-segura"), ("repetir", "nueva-clave-otra")], "repetir", "no coinciden"),
            ]
            for (form, field, message) in cases {
                let answer = try await client.console("/configuracion/credenciales", method: .post, session: cliente, form: form)
                #expect(answer.status == .unprocessableContent)
                #expect(answer.body.contains(message), "\(message)")
                #expect(answer.body.contains(#"aria-describedby="\#(field)-error""#), "\(field) not marked")
                #expect(!answer.body.contains(current), "a password was echoed")
            }
            // Nothing changed; the wrong current password is the one thing recorded: a failed
            // check the login throttle counts on every node (`LoginFailed`, keys only).
            let added = try env.store.ledger.records(after: before, limit: 10).map { try $0.decodeEvent().typeName }
            #expect(added == ["LoginFailed"])
            // The old password still works.
            _ = try await client.consoleLogin("cliente")
        }
    }

    @Test func successChangesTheHashAndEndsOtherSessions() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let newPassword = "otra-clave-muy-larga-2026"
        try await env.test([newPassword]) { client in
            let here = try await client.consoleLogin("asesor", ip: "10.0.0.31")
            let elsewhere = try await client.consoleLogin("asesor", ip: "10.0.0.32")
            let answer = try await client.console("/configuracion/credenciales", method: .post, session: here,
                                                  form: [("actual", TestSecrets.passwords["asesor"]!), ("nueva", newPassword),
                                                         ("repetir", newPassword)])
            #expect(answer.status == .seeOther)
            #expect(answer.location == "/configuracion/credenciales?ok=clave")
            let fresh = try #require(ConsoleForms.cookiePair(answer.setCookie))
            #expect(fresh != here.cookie)

            // The change, then the new session that continues this browser (SessionStarted).
            let records = try env.records()
            guard case .sessionStarted = try records.last?.decodeEvent() else { Issue.record("no new session"); return }
            let record = try #require(records.dropLast().last)
            #expect(record.actor == "user:\(try env.userId("asesor"))")
            guard case let .credentialChanged(change) = try record.decodeEvent() else { Issue.record("not CredentialChanged"); return }
            #expect(change.passwordHash.hasPrefix("$2"))
            #expect(!String(decoding: record.payload, as: UTF8.self).contains(newPassword))

            // The other browser and the old cookie are signed out; this browser continues.
            #expect(try await client.console("/configuracion/credenciales", session: elsewhere).status == .seeOther)
            #expect(try await client.console("/configuracion/credenciales", session: here).status == .seeOther)
            let continued = try await client.console("/configuracion/credenciales?ok=clave", session: ConsoleSession(cookie: fresh, csrf: ""))
            #expect(continued.status == .ok)
            #expect(continued.body.contains("Contraseña cambiada."))

            let old = try await client.console("/ingresar", method: .post, form: [("login", "asesor"), ("password", TestSecrets.passwords["asesor"]!)])
            #expect(old.status == .unauthorized)
            _ = try await client.consoleLogin("asesor", password: newPassword)
        }
    }
}
