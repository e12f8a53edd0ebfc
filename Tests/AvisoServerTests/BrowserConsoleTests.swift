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
