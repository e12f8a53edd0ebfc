import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoServer
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Plantillas: every stage × channel, variables with explanations, preview of unsaved text
/// (JSON and without JS), refusal of unknown variables, history, restore, escaping.
@Suite struct ConsoleTemplateTests {
    static let smsD2 = "/configuracion/plantillas?etapa=D-2&canal=sms"

    @Test func editorShowsGridVariablesPreviewAndHistory() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console(Self.smsD2, session: admin)
            #expect(page.status == .ok)
            for stage in TemplateStage.allCases {
                #expect(page.body.contains("etapa=\(TemplateSelection.encode(stage.rawValue))&amp;canal=whatsapp"), "\(stage)")
                #expect(page.body.contains("etapa=\(TemplateSelection.encode(stage.rawValue))&amp;canal=sms"), "\(stage)")
            }
            #expect(page.body.contains("etapa=D%2B1"), "a + in a stage name is percent-encoded")
            for variable in TemplateVariable.offered(in: .dMinus2) {
                #expect(page.body.contains("<code>\(variable.tag)</code>"))
                #expect(page.body.contains(variable.explanation.replacingOccurrences(of: "…", with: "…")))
            }
            #expect(!page.body.contains("<code>{{semana}}</code>"), "semana is WEEKLY only")
            // The saved text rendered for the first client (C001, María José López, Q1,250.00).
            #expect(page.body.contains("María José López"))
            #expect(page.body.contains(#"id="vista-previa-segmentos">"#))
            #expect(page.body.contains("Versión 1"))
            #expect(page.body.contains("texto de fábrica"))
            #expect(page.body.contains(#"<script src="/consola/consola.js" defer></script>"#))

            let whatsapp = try await client.console("/configuracion/plantillas?etapa=D0&canal=whatsapp", session: admin)
            #expect(whatsapp.body.contains(#"id="wa_nombre""#))
            #expect(whatsapp.body.contains(#"id="wa_parametros""#))
            #expect(whatsapp.body.contains("WhatsApp: plantilla"))
        }
    }

    @Test func livePreviewRendersUnsavedTextWithoutAppending() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let body = #"{"etapa":"D-2","canal":"sms","cuerpo":"Hola {{nombre}}, su cuota de {{monto}} vence el {{fecha_vencimiento}}.","cliente":"C001"}"#
            let headers: HTTPFields = [.contentType: "application/json", .accept: "application/json", HTTPField.Name("X-CSRF-Token")!: admin.csrf]
            let answer = try await client.console("/configuracion/plantillas/vista-previa", method: .post, session: admin, headers: headers, body: body)
            #expect(answer.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] ?? [:]
            let text = json["text"] as? String ?? ""
            // The SMS as it would be sent: folded to GSM-7 (í, ó are not GSM-7; é is).
            #expect(text.hasPrefix("Hola Maria José Lopez, su cuota de Q1,250.00 vence el "))
            #expect(json["encoding"] as? String == "GSM-7")
            #expect((json["segments"] as? Int ?? 0) >= 1)
            #expect(env.head == before)

            let unknown = #"{"etapa":"D-2","canal":"sms","cuerpo":"Hola {{apodo}}","cliente":"C001"}"#
            let refused = try await client.console("/configuracion/plantillas/vista-previa", method: .post, session: admin, headers: headers, body: unknown)
            let error = (try JSONSerialization.jsonObject(with: Data(refused.body.utf8)) as? [String: Any])?["error"] as? String
            #expect(error?.contains("{{apodo}}") == true)

            var noToken = headers
            noToken[HTTPField.Name("X-CSRF-Token")!] = nil
            let csrf = try await client.console("/configuracion/plantillas/vista-previa", method: .post, session: admin, headers: noToken, body: body)
            #expect(csrf.status == .forbidden)
            #expect(csrf.contentType?.hasPrefix("application/json") == true)
        }
    }

    @Test func previewWithoutJavaScript() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let answer = try await client.console("/configuracion/plantillas", method: .post, session: admin,
                                                  form: [("etapa", "D-2"), ("canal", "sms"), ("cuerpo", "Prueba {{nombre}} sin JS"),
                                                         ("cliente", "C002"), ("accion", "vista_previa")])
            #expect(answer.status == .ok)
            // What would be sent: the SMS folded to GSM-7 (é is GSM-7, ú is not).
            #expect(answer.body.contains("Prueba Juan Carlos Pérez Aju sin JS"))
            #expect(answer.body.contains("costo estimado: <span id=\"vista-previa-costo\">×1 (un SMS de un segmento GSM-7)</span>"))
            #expect(answer.body.contains(#"<option value="C002" selected>"#))
            #expect(env.head == before)
        }
    }

    @Test func saveRefusesUnknownVariablesThenSavesAndShowsHistory() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let refused = try await client.console("/configuracion/plantillas", method: .post, session: admin,
                                                   form: [("etapa", "D-2"), ("canal", "sms"), ("cuerpo", "Hola {{apodo}}"), ("accion", "guardar")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("La variable {{apodo}} no existe."))
            #expect(refused.body.contains("Hola {{apodo}}</textarea>"), "what was typed stays in the editor")
            #expect(env.head == before)

            let original = try env.store.read { try TemplateRecord.fetchOne($0, key: ["stage": "D-2", "channel": "sms"]) }!
            let newText = "Nuevo texto para {{nombre}}: pague {{monto}}."
            let saved = try await client.console("/configuracion/plantillas", method: .post, session: admin,
                                                 form: [("etapa", "D-2"), ("canal", "sms"), ("cuerpo", newText), ("accion", "guardar")])
            #expect(saved.status == .seeOther)
            #expect(saved.location == Self.smsD2 + "&ok=guardada")
            let last = try #require(env.records().last)
            #expect(last.actor == "user:\(try env.userId("admin"))")
            guard case let .templateChanged(change) = try last.decodeEvent() else { Issue.record("not TemplateChanged"); return }
            #expect(change.body == newText)
            #expect(change.origin == nil)

            let page = try await client.console(Self.smsD2 + "&ok=guardada", session: admin)
            #expect(page.body.contains("Plantilla guardada."))
            #expect(page.body.contains("Versión 2"))
            #expect(page.body.contains("Texto anterior (versión 1)"))
            #expect(page.body.contains(Self.escaped(original.body)))
            #expect(page.body.contains("· Admin"))

            // Restore version 1 (its ledger position), then the shipped default.
            let v1 = try env.store.read { try TemplateVersionRecord.filter(Column("stage") == "D-2" && Column("channel") == "sms" && Column("version") == 1).fetchOne($0) }!
            let restored = try await client.console("/configuracion/plantillas/restaurar", method: .post, session: admin,
                                                    form: [("etapa", "D-2"), ("canal", "sms"), ("posicion", String(v1.position))])
            #expect(restored.status == .seeOther)
            guard case let .templateChanged(back) = try env.records().last!.decodeEvent() else { Issue.record("not TemplateChanged"); return }
            #expect(back.body == original.body)
            #expect(back.origin == "restore:\(v1.position)")
            let afterRestore = try await client.console(Self.smsD2, session: admin)
            #expect(afterRestore.body.contains("restaurada de la versión 1"))

            let shipped = try await client.console("/configuracion/plantillas/restaurar", method: .post, session: admin,
                                                   form: [("etapa", "D-2"), ("canal", "sms"), ("predeterminada", "1")])
            #expect(shipped.status == .seeOther)
            guard case let .templateChanged(factory) = try env.records().last!.decodeEvent() else { Issue.record("not TemplateChanged"); return }
            #expect(factory.origin == "default")

            // A version of another template can't be restored here.
            let other = try env.store.read { try TemplateVersionRecord.filter(Column("stage") == "D0").fetchOne($0) }!
            let mismatch = try await client.console("/configuracion/plantillas/restaurar", method: .post, session: admin,
                                                    form: [("etapa", "D-2"), ("canal", "sms"), ("posicion", String(other.position))])
            #expect(mismatch.status == .notFound)
        }
    }

    @Test func userDataIsEscapedEverywhere() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let evil = #"<script>alert("x")</script>"#
        try await env.seed([.clientUpserted(ClientUpserted(id: "C000", name: evil, phone: "5555-0000", phoneCountryCode: "GT",
                                                           advisor: "Ana Pérez", preferredChannel: .sms))])
        try await env.seed([.messageSkipped(MessageSkipped(clientId: "C000", installmentId: nil, stage: "D-2", channel: .sms,
                                                           reason: .quietHours, detail: evil, at: Date()))])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            for uri in [Self.smsD2, "/mensajes"] {
                let page = try await client.console(uri, session: admin)
                #expect(page.status == .ok)
                #expect(!page.body.contains("<script>alert"), "\(uri) printed markup from user data")
                #expect(page.body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "\(uri)")
            }
            let preview = try await client.console("/configuracion/plantillas", method: .post, session: admin,
                                                   form: [("etapa", "D-2"), ("canal", "sms"), ("cuerpo", "Hola {{nombre}} </textarea><b>"),
                                                          ("cliente", "C000"), ("accion", "vista_previa")])
            #expect(!preview.body.contains("</textarea><b>"))
            #expect(!preview.body.contains("<script>alert"))
        }
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
