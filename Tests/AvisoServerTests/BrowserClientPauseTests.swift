import AvisoLedger
@testable import AvisoServer
import Foundation
import Testing

/// Issue 13 in the browser: an admin pauses one client's sending from its page and sees its
/// next message skipped as paused, on the page and in Próximos envíos; then resumes it.
extension BrowserTests {
    @Test func adminPausesOneClientAndSeesThePausedSkip() async throws {
        try await withBrowser("pausa-cliente") { b in
            try await b.login("admin")
            try await b.go("/clientes/C002")
            #expect(try await b.driver.text("#proximos").contains("Se envía"))
            try await b.driver.fill("#motivo", "Arreglo de pago en trámite")
            try await b.driver.click("#pausar-cliente")
            try await b.driver.waitUntil("the paused client page") { try await b.driver.currentURL().contains("ok=pausado") }
            #expect(try await b.driver.text("#estado-pausa-cliente").contains("en pausa"))
            let next = try await b.driver.text("#proximos")
            #expect(next.contains("Se omite"))
            #expect(next.contains("Envíos a este cliente en pausa por un administrador. (Arreglo de pago en trámite)"))
            #expect(!next.contains("Se envía"))
            #expect(try await b.driver.text("#historial-pausas").contains("Pausó los envíos: «Arreglo de pago en trámite»"))
            try await b.driver.resize(width: 1100, height: 1500)
            _ = try await b.driver.script("window.scrollTo(0, 0); return 0")
            try await b.shot("cliente-pausa")

            try await b.go("/proximos")
            #expect(try await b.driver.text("#clientes-en-pausa").contains("Juan Carlos Pérez Ajú: «Arreglo de pago en trámite»"))
            let row = try await b.driver.script("""
                const link = [...document.querySelectorAll('.proximos a')].find(a => a.getAttribute('href') === '/clientes/C002');
                return link ? link.closest('tr').innerText : '';
                """) as? String ?? ""
            #expect(row.contains("Se omite") && row.contains("en pausa"), "\(row)")

            try await b.go("/clientes/C002")
            try await b.driver.click("#reanudar-cliente")
            try await b.driver.waitUntil("resumed") { try await b.driver.currentURL().contains("ok=reanudado") }
            #expect(try await b.driver.text("#proximos").contains("Se envía"))
        }
    }
}
