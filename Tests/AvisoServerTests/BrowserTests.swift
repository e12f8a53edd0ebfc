import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The console in a real browser: Debian's Chromium driven over WebDriver against the app
/// listening on a loopback port. Every page visited is saved under `.build/screenshots/`.
/// Without Chromium these are skipped on a developer machine; with `CI=true` a missing
/// Chromium is a failure.
@Suite(.serialized, .enabled(if: BrowserTools.find() != nil || BrowserTools.inCI,
                              "chromium and chromium-driver are not installed (apt install chromium chromium-driver); browser tests skipped"))
struct BrowserTests {
    /// `<package>/.build/screenshots`, from this file's path.
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/screenshots", isDirectory: true)

    struct Browser {
        let driver: WebDriver
        let base: String
        let env: TestEnvironment
        let client: any TestClientProtocol

        func go(_ path: String) async throws { try await driver.open(base + path) }

        func shot(_ name: String) async throws {
            try FileManager.default.createDirectory(at: BrowserTests.screenshots, withIntermediateDirectories: true)
            try await driver.screenshot().write(to: BrowserTests.screenshots.appendingPathComponent("\(name).png"))
        }

        func login(_ login: String, password: String? = nil) async throws {
            try await go("/ingresar")
            try await driver.fill("#login", login)
            try await driver.fill("#password", password ?? TestSecrets.passwords[login]!)
            try await driver.click("#entrar")
            try await driver.waitUntil("signed in as \(login)") { try await !driver.currentURL().contains("/ingresar") }
        }

        func tabs() async throws -> [String] {
            var out: [String] = []
            for element in try await driver.findAll(".pestanas a") { out.append(try await driver.text(element)) }
            return out
        }
    }

    /// Starts the app on a free port, chromedriver and a Chromium session, runs `body`, and
    /// tears all three down.
    func withBrowser(_ name: String, _ body: @Sendable (Browser) async throws -> Void) async throws {
        guard let tools = BrowserTools.find() else {
            Issue.record("CI=true but chromium or chromedriver is missing: .ci/run installs them with apt")
            return
        }
        let env = try await TestEnvironment.make(publicURL: "https://cobros.example.gt")
        defer { env.cleanUp() }
        let chromedriver = try ChromeDriverProcess(path: tools.chromedriver)
        defer { chromedriver.stop() }
        try await chromedriver.ready()
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        try await env.app.test(.live) { client in
            let driver = try await WebDriver.chromium(driver: chromedriver.url, binary: tools.chromium, profile: profile)
            do {
                // localhost: a secure context, so the Secure session cookie is kept over http.
                try await body(Browser(driver: driver, base: "http://localhost:\(client.port!)", env: env, client: client))
            } catch {
                try? await Browser(driver: driver, base: "", env: env, client: client).shot("\(name)-failure")
                await driver.quit()
                throw error
            }
            await driver.quit()
        }
    }

    @Test func clienteSeesOnlyCredenciales() async throws {
        try await withBrowser("cliente") { b in
            try await b.login("cliente")
            #expect(try await b.driver.currentURL().hasSuffix("/configuracion/credenciales"))
            #expect(try await b.tabs() == ["Credenciales"])
            #expect(try await b.driver.findAll(".principal a[href='/mensajes']").isEmpty)
            try await b.shot("cliente-credenciales")

            try await b.go("/configuracion/plantillas")
            #expect(try await b.driver.text("main").contains("no tiene permiso"))
            try await b.shot("cliente-plantillas-403")
            // The same URL with the browser's own cookie answers 403.
            let cookie = try await b.driver.cookieHeader()
            let status = try await b.client.execute(uri: "/configuracion/plantillas", method: .get, headers: [.cookie: cookie]) { $0.status }
            #expect(status == .forbidden)
        }
    }

    @Test func adminEditsATemplateWithLivePreview() async throws {
        try await withBrowser("admin") { b in
            try await b.login("admin")
            try await b.go("/configuracion")
            #expect(try await b.tabs() == ["Mensajería", "Plantillas", "Credenciales"])
            try await b.driver.resize(width: 1000, height: 1250)
            try await b.shot("configuracion")
            try await b.driver.resize(width: 1280, height: 900)

            try await b.go("/configuracion/plantillas?etapa=D-2&canal=sms")
            try await b.shot("plantillas")
            let textarea = try await b.driver.find("#cuerpo")
            try await b.driver.clear(textarea)
            try await b.driver.type(textarea, "Hola {{nombre}}, vista en vivo: {{monto}} vence el {{fecha_vencimiento}}.")
            try await b.driver.waitUntil("the live preview to show the new text") {
                try await b.driver.text("#vista-previa-texto").contains("vista en vivo: Q1,250.00 vence el")
            }
            #expect(try await b.driver.text("#vista-previa-segmentos") != "—")
            try await b.shot("plantillas-vista-previa")

            // An unknown variable shows the error live, before saving.
            try await b.driver.type(textarea, " {{apodo}}")
            try await b.driver.waitUntil("the live preview to refuse {{apodo}}") {
                try await b.driver.text("#vista-previa-error").contains("{{apodo}}")
            }
            try await b.driver.click("#guardar-plantilla")
            try await b.driver.waitUntil("the refusal page") { try await b.driver.text("#error-plantilla").contains("{{apodo}}") }
            try await b.shot("plantillas-rechazo")

            let fixed = try await b.driver.find("#cuerpo")
            try await b.driver.clear(fixed)
            try await b.driver.type(fixed, "Hola {{nombre}}, vista en vivo: {{monto}} vence el {{fecha_vencimiento}}.")
            try await b.driver.click("#guardar-plantilla")
            try await b.driver.waitUntil("the saved page") { try await b.driver.currentURL().contains("ok=guardada") }
            let history = try await b.driver.text("#historial")
            #expect(history.contains("Versión 2"))
            #expect(history.contains("Admin"))
            #expect(try await b.driver.text(".aviso-ok").contains("Plantilla guardada."))
            try await b.shot("plantillas-historial")

            try await b.go("/configuracion/mensajeria")
            try await b.shot("mensajeria")
            try await ConsoleMessagesTests.seedMessages(b.env)
            try await b.go("/mensajes")
            #expect(try await b.driver.findAll("svg.grafica rect").count == 90)
            try await b.shot("mensajes")
            // The oldest row: the WhatsApp message that was rendered, sent and delivered.
            try await b.driver.click("table.mensajes tbody tr:last-child td.ver a")
            try await b.driver.waitUntil("a message's timeline") { try await b.driver.currentURL().contains("/mensajes/") }
            let timeline = try await b.driver.text("#linea-de-tiempo")
            #expect(timeline.contains("Texto generado"))
            #expect(timeline.contains("Entregado"))
            try await b.shot("mensaje-linea-de-tiempo")
        }
    }

    @Test func passwordChangeThenLoginWithTheNewOne() async throws {
        try await withBrowser("clave") { b in
            let newPassword = "clave-nueva-del-asesor-1"
            try await b.login("asesor")
            try await b.go("/configuracion/credenciales")
            try await b.driver.fill("#actual", TestSecrets.passwords["asesor"]!)
            try await b.driver.fill("#nueva", newPassword)
            try await b.driver.fill("#repetir", newPassword)
            try await b.driver.click("#guardar-clave")
            try await b.driver.waitUntil("the password to change") { try await b.driver.currentURL().contains("ok=clave") }
            #expect(try await b.driver.text(".aviso-ok").contains("Contraseña cambiada."))
            try await b.shot("credenciales-cambiada")

            try await b.driver.click(".salir button")
            try await b.driver.waitUntil("signed out") { try await b.driver.currentURL().contains("/ingresar") }
            try await b.go("/ingresar")
            try await b.driver.fill("#login", "asesor")
            try await b.driver.fill("#password", TestSecrets.passwords["asesor"]!)
            try await b.driver.click("#entrar")
            try await b.driver.waitUntil("the old password refused") { try await b.driver.text("#error-ingresar").contains("incorrectos") }
            try await b.shot("ingresar-error")

            try await b.login("asesor", password: newPassword)
            // Issue 13: an asesor starts on their messages.
            #expect(try await b.driver.currentURL().hasSuffix("/mensajes"))
            try await b.go("/configuracion")
            #expect(try await b.tabs() == ["Mensajería", "Credenciales"])
            try await b.shot("asesor-mensajeria")
        }
    }
}
