import AvisoLedger
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Login, logout and which pages each role gets: tabs drawn from the role table, and the
/// hidden ones refused by the server (403), not just left out of the page.
@Suite struct ConsoleAccessTests {
    @Test func loginPageAndClearErrors() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let page = try await client.console("/ingresar")
            #expect(page.status == .ok)
            #expect(page.contentType?.hasPrefix("text/html") == true)
            #expect(page.body.contains(#"action="/ingresar""#))

            let wrong = try await client.console("/ingresar", method: .post, form: [("login", "admin"), ("password", "no-es-la-clave")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("Usuario o contraseña incorrectos."))
            #expect(wrong.setCookie == nil)

            let empty = try await client.console("/ingresar", method: .post, form: [("login", ""), ("password", "")])
            #expect(empty.body.contains("Escriba su usuario y su contraseña."))

            let ok = try await client.console("/ingresar", method: .post,
                                              form: [("login", "admin"), ("password", TestSecrets.passwords["admin"]!), ("siguiente", "/mensajes")])
            #expect(ok.status == .seeOther)
            #expect(ok.location == "/mensajes")
            #expect(ok.setCookie?.contains("HttpOnly") == true)

            // An outside address is not followed after login.
            let outside = try await client.console("/ingresar", method: .post,
                                                   form: [("login", "admin"), ("password", TestSecrets.passwords["admin"]!), ("siguiente", "//evil.example")])
            #expect(outside.location == "/")
        }
    }

    @Test func loginIsThrottled() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            var last: ConsoleAnswer?
            for _ in 0..<6 {
                last = try await client.console("/ingresar", method: .post, form: [("login", "asesor"), ("password", "mala-clave-123")])
            }
            #expect(last?.status == .tooManyRequests)
            #expect(last?.body.contains("Demasiados intentos fallidos") == true)
        }
    }

    @Test func anonymousIsSentToLogin() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            for uri in ["/", "/configuracion", "/configuracion/plantillas", "/configuracion/credenciales", "/mensajes"] {
                let answer = try await client.console(uri)
                #expect(answer.status == .seeOther, "\(uri)")
                #expect(answer.location?.hasPrefix("/ingresar") == true, "\(uri) → \(answer.location ?? "")")
            }
            let post = try await client.console("/configuracion/mensajeria", method: .post, form: [("limite_diario", "5")])
            #expect(post.status == .seeOther)
            #expect(post.location == "/ingresar")
            // The API keeps its JSON errors.
            let api = try await client.console("/api/session")
            #expect(api.status == .unauthorized)
            #expect(api.contentType?.hasPrefix("application/json") == true)
        }
    }

    static let tabs = ["Mensajería": "/configuracion/mensajeria", "Plantillas": "/configuracion/plantillas",
                       "Credenciales": "/configuracion/credenciales"]

    struct Expectation: Sendable, CustomStringConvertible {
        var login: String
        var tabs: [String]
        var firstTab: String
        var messages: Bool
        var description: String { login }
    }

    static let roles = [
        Expectation(login: "admin", tabs: ["Mensajería", "Plantillas", "Credenciales"], firstTab: "/configuracion/mensajeria", messages: true),
        Expectation(login: "asesor", tabs: ["Mensajería", "Credenciales"], firstTab: "/configuracion/mensajeria", messages: true),
        Expectation(login: "cliente", tabs: ["Credenciales"], firstTab: "/configuracion/credenciales", messages: false),
    ]

    @Test(arguments: roles)
    func tabsAndRefusalsFollowTheRoleTable(_ role: Expectation) async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let session = try await client.consoleLogin(role.login)
            let home = try await client.console("/configuracion", session: session)
            #expect(home.location == role.firstTab)

            let page = try await client.console("/configuracion/credenciales", session: session)
            #expect(page.status == .ok)
            for (label, path) in Self.tabs {
                let shown = page.body.contains(#"<a href="\#(path)""#)
                #expect(shown == role.tabs.contains(label), "\(role.login): tab \(label) shown=\(shown)")
                let answer = try await client.console(path, session: session)
                let expected: HTTPResponse.Status = role.tabs.contains(label) ? .ok : .forbidden
                #expect(answer.status == expected, "\(role.login) GET \(path) → \(answer.status)")
                if expected == .forbidden {
                    #expect(answer.body.contains("no tiene permiso"))
                    #expect(answer.contentType?.hasPrefix("text/html") == true)
                }
            }
            #expect(page.body.contains(#"<a href="/mensajes""#) == role.messages)
            let messages = try await client.console("/mensajes", session: session)
            #expect(messages.status == (role.messages ? .ok : .forbidden))

            // Writes are refused the same way, whatever the page showed.
            if role.login != "admin" {
                let post = try await client.console("/configuracion/plantillas", method: .post, session: session,
                                                    form: [("etapa", "D-2"), ("canal", "sms"), ("cuerpo", "Hola {{nombre}}"), ("accion", "guardar")])
                #expect(post.status == .forbidden)
                let settings = try await client.console("/configuracion/mensajeria", method: .post, session: session,
                                                        form: [("limite_diario", "9")])
                #expect(settings.status == .forbidden)
            }
        }
    }

    @Test func asesorSeesMessagingReadOnly() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let asesor = try await client.consoleLogin("asesor")
            let page = try await client.console("/configuracion/mensajeria", session: asesor)
            #expect(page.body.contains(#"id="solo-lectura""#))
            #expect(page.body.contains("<fieldset disabled>"))
            #expect(!page.body.contains(#"id="guardar-mensajeria""#))

            let admin = try await client.consoleLogin("admin")
            let editable = try await client.console("/configuracion/mensajeria", session: admin)
            #expect(!editable.body.contains(#"id="solo-lectura""#))
            #expect(editable.body.contains(#"id="guardar-mensajeria""#))
        }
    }

    @Test func logoutEndsTheSession() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let session = try await client.consoleLogin("asesor")
            let out = try await client.console("/salir", method: .post, session: session, form: [])
            #expect(out.status == .seeOther)
            #expect(out.location == "/ingresar?salida=1")
            #expect(out.setCookie?.contains("Max-Age=0") == true)
            let after = try await client.console("/configuracion/credenciales", session: session)
            #expect(after.status == .seeOther)
            let notice = try await client.console("/ingresar?salida=1")
            #expect(notice.body.contains("Sesión cerrada."))
        }
    }

    @Test func formsWithoutCSRFAreRefused() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let answer = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                  form: [("limite_diario", "3")], csrf: false)
            #expect(answer.status == .forbidden)
            #expect(answer.body.contains("El formulario venció"))
            #expect(env.head == before)
        }
    }

    /// The console's lines in the role table, as the issue sets them.
    @Test func consoleLinesInTheRoleTable() {
        let all: Set<UserRole> = [.admin, .asesor, .cliente]
        let expected: [String: AccessRule] = [
            "GET /": .roles(all), "GET /ingresar": .open, "POST /ingresar": .open, "POST /salir": .roles(all),
            "GET /consola/estilo.css": .open, "GET /consola/consola.js": .open, "GET /configuracion": .roles(all),
            "GET /configuracion/mensajeria": .roles([.admin, .asesor]), "POST /configuracion/mensajeria": .roles([.admin]),
            "GET /configuracion/plantillas": .roles([.admin]), "POST /configuracion/plantillas": .roles([.admin]),
            "POST /configuracion/plantillas/vista-previa": .roles([.admin]), "POST /configuracion/plantillas/restaurar": .roles([.admin]),
            "POST /configuracion/plantillas/sincronizar-whatsapp": .roles([.admin]),
            "GET /configuracion/credenciales": .roles(all), "POST /configuracion/credenciales": .roles(all),
            "GET /mensajes": .roles([.admin, .asesor]), "GET /mensajes/{id}": .roles([.admin, .asesor]),
            "POST /mensajes/prueba": .roles([.admin, .asesor]),
            // Issue 13.
            "GET /clientes": .roles([.admin, .asesor]), "GET /clientes/{id}": .roles([.admin, .asesor]), "GET /clientes/por-corregir": .roles([.admin]),
            "GET /mensajes/exportar": .roles([.admin, .asesor]), "GET /proximos": .roles([.admin]), "GET /panel": .roles([.admin]),
            "GET /usuarios": .roles([.admin]), "POST /usuarios": .roles([.admin]), "POST /proximos/pausa": .roles([.admin]),
            "POST /clientes/{id}/pausa": .roles([.admin]),
            "POST /mensajes/exportar": .roles([.admin]),
        ]
        let console = AccessPolicy.table.filter { ConsoleErrorPages.isConsolePage(String($0.key.split(separator: " ")[1])) || $0.key.contains("/consola/") }
        #expect(console == expected)
        #expect(ConsoleAccess.tabs(for: .cliente).map(\.label) == ["Credenciales"])
        #expect(ConsoleAccess.tabs(for: .asesor).map(\.label) == ["Mensajería", "Credenciales"])
        #expect(ConsoleAccess.tabs(for: .admin).map(\.label) == ["Mensajería", "Plantillas", "Credenciales"])
    }

    @Test func stylesheetAndScriptAreServed() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        try await env.test { client in
            let css = try await client.console("/consola/estilo.css")
            #expect(css.status == .ok)
            #expect(css.contentType?.hasPrefix("text/css") == true)
            let js = try await client.console("/consola/consola.js")
            #expect(js.status == .ok)
            #expect(js.body.contains("vista-previa"))
        }
    }
}
