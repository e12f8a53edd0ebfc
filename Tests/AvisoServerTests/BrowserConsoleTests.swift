import AvisoLedger
@testable import AvisoServer
import Foundation
import Testing

/// Issue 13 in the browser: the live preview follows the chosen client.
extension BrowserTests {
    @Test func livePreviewFollowsTheChosenClient() async throws {
        try await withBrowser("vista-previa-cliente") { b in
            try await b.login("admin")
            try await b.go("/configuracion/plantillas?etapa=D-2&canal=sms")
            // C001's number (+502 5555-1234) for the first client.
            #expect(try await b.driver.text("#vista-previa-destino").hasSuffix("1234"))
            try await b.driver.click("#cliente option[value='C002']")
            try await b.driver.waitUntil("the preview to show C002's number") {
                try await b.driver.text("#vista-previa-destino").hasSuffix("4567")
            }
            #expect(try await b.driver.text("#vista-previa-texto").contains("Juan Carlos"))
            try await b.shot("plantillas-otro-cliente")
        }
    }
}

/// Issue 13: finding a client and what comes next; every page at a phone's width.
extension BrowserTests {
    @Test func asesorSearchesAClientAndSeesTheNextMessage() async throws {
        try await withBrowser("cliente-buscar") { b in
            try await b.login("asesor")
            #expect(try await b.driver.currentURL().hasSuffix("/mensajes"))
            try await b.driver.click(".principal a[href='/clientes']")
            try await b.driver.waitUntil("the search page") { try await b.driver.currentURL().hasSuffix("/clientes") }
            try await b.driver.fill("#q", "juan carlos")
            try await b.driver.click("#buscar")
            try await b.driver.waitUntil("the results") { try await b.driver.text("#clientes").contains("1 cliente") }
            try await b.driver.click("#clientes a[href='/clientes/C002']")
            try await b.driver.waitUntil("the client page") { try await b.driver.currentURL().hasSuffix("/clientes/C002") }
            let next = try await b.driver.text("#proximos")
            #expect(next.contains("Se envía"))
            #expect(next.contains("2 días antes del vencimiento"))
            #expect(try await b.driver.text("#cuotas").contains("I002-05"))
            try await b.driver.resize(width: 1100, height: 1300)
            try await b.shot("cliente-ficha")
        }
    }

    /// Each page at 390 px: no horizontal scroll; on Mensajes the Canal, Estado and Ver cells
    /// are inside the screen, dates stay on one line and chart labels are at least 11 px.
    @Test func everyPageFitsAPhone() async throws {
        try await withBrowser("telefono") { b in
            try await ConsoleMessagesTests.seedMessages(b.env)
            // A saved price per segment, so the dashboard (and its screenshot) shows the cost.
            try await b.env.seed([.settingsChanged(SettingsChanged(smsSegmentPrice: 0.35))])
            try await b.login("admin")
            #expect(try await b.driver.currentURL().hasSuffix("/panel"))
            try await b.driver.resize(width: 1100, height: 1400)
            try await b.shot("panel")
            try await b.driver.emulatePhone(width: 390)
            let messageId = try b.env.store.read { try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE message_key = 'k-failed'") }!
            let pages = ["/panel", "/proximos", "/mensajes", "/mensajes/\(messageId)", "/clientes", "/clientes/C001", "/configuracion/mensajeria",
                         "/configuracion/plantillas?etapa=D-2&canal=sms", "/configuracion/plantillas?etapa=D0&canal=whatsapp",
                         "/configuracion/credenciales", "/mensajes/999999", "/usuarios", "/clientes/por-corregir"]
            for page in pages {
                try await b.go(page)
                let width = try await b.driver.script("return [document.documentElement.scrollWidth, window.innerWidth]") as? [Int] ?? []
                // What sticks out, to say where the page is too wide.
                let wide = try await b.driver.script("""
                    return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
                      .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right));
                    """) as? [String] ?? []
                #expect(width == [390, 390], "\(page) scrolls sideways: \(width) \(wide)")
            }
            try await b.go("/mensajes")
            let outside = try await b.driver.script("""
                const row = document.querySelector('table.mensajes tbody tr');
                return ['.canal', '.estado-celda', '.ver'].filter(c => {
                  const r = row.querySelector(c).getBoundingClientRect();
                  return r.width === 0 || r.left < 0 || r.right > window.innerWidth;
                });
                """) as? [String]
            #expect(outside == [], "cells off-screen: \(outside ?? [])")
            let dateLines = try await b.driver.script("return document.querySelector('td.fecha time').getClientRects().length") as? Int
            #expect(dateLines == 1)
            let labelPixels = try await b.driver.script("""
                const svg = document.querySelector('svg.grafica'), label = svg.querySelector('.eje');
                return parseFloat(getComputedStyle(label).fontSize) * svg.getScreenCTM().a;
                """) as? Double ?? 0
            #expect(labelPixels >= 11, "chart labels \(labelPixels) px")
            try await b.shot("mensajes-390")
        }
    }
}

/// Issue 13: the admin's pause and password reset, in the browser.
extension BrowserTests {
    @Test func adminPausesSendingAndSeesThePause() async throws {
        try await withBrowser("pausa") { b in
            try await b.login("admin")
            try await b.go("/proximos")
            #expect(try await b.driver.text(".proximos").contains("Hoy"))
            try await b.driver.fill("#motivo", "Revisión de cartera")
            try await b.driver.click("#pausar")
            try await b.driver.waitUntil("the paused page") { try await b.driver.currentURL().contains("ok=pausado") }
            #expect(try await b.driver.text("#estado-pausa").contains("Envíos en pausa: «Revisión de cartera»"))
            #expect(try await b.driver.text(".proximos").contains("No se decide ni se envía nada"))
            try await b.shot("proximos-pausa")
            try await b.driver.click("#reanudar")
            try await b.driver.waitUntil("resumed") { try await b.driver.currentURL().contains("ok=reanudado") }
        }
    }

    @Test func resetUserMustChangeThePassword() async throws {
        try await withBrowser("restablecer") { b in
            try await b.login("admin")
            try await b.go("/usuarios")
            try await b.driver.click("#usuario-asesor .restablecer")
            try await b.driver.waitUntil("the one-time password") { try await b.driver.text("#clave-unica").count == 16 }
            let password = try await b.driver.text("#clave-unica")
            try await b.shot("usuarios-restablecer")
            try await b.driver.click(".salir button")
            try await b.driver.waitUntil("signed out") { try await b.driver.currentURL().contains("/ingresar") }

            try await b.login("asesor", password: password)
            try await b.driver.waitUntil("the forced password change") {
                try await b.driver.currentURL().hasSuffix("/configuracion/credenciales?cambio=obligatorio")
            }
            try await b.go("/mensajes")
            #expect(try await b.driver.currentURL().contains("/configuracion/credenciales"))
            try await b.driver.fill("#actual", password)
            try await b.driver.fill("#nueva", "clave-elegida-por-ana")
            try await b.driver.fill("#repetir", "clave-elegida-por-ana")
            try await b.driver.click("#guardar-clave")
            try await b.driver.waitUntil("the change") { try await b.driver.currentURL().contains("ok=clave") }
            try await b.go("/mensajes")
            #expect(try await b.driver.currentURL().hasSuffix("/mensajes"))
        }
    }
}
