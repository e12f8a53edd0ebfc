import AvisoLedger
import AvisoMessaging
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /mensajes/prueba`: the "Enviar prueba" buttons. The form calls the same service
/// as `POST /api/notifications/test` (`TestSendService`), so the client
/// scope, send path, quiet-hours warning and logging are the API's; this only draws the answer.
/// Dry-run unless the "Simulación" box is cleared.
struct TestSendController {
    typealias Context = AppRequestContext
    let service: TestSendService
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("prueba", use: send)
        return routes
    }

    struct ResultData: Sendable {
        var error: String?
        var status = ""
        var statusClass = ""
        var dryRun = false
        var provider = ""
        var channel = ""
        var to = ""
        var errorCode: String?
        /// WhatsApp: the approved template (window closed) or free text (window open).
        var form: String?
        var text: String?
        var warnings: [String] = []
        var back: String
    }

    @Sendable func send(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        let back = LoginController.safeNext(form["volver"] ?? "/mensajes")
        let input = TestSendRequest(clientId: form.text("cliente"), stage: form.text("etapa").isEmpty ? nil : form.text("etapa"),
                                    channel: Channel(rawValue: form.text("canal")), dryRun: form["simulacion"] != nil)
        var data = ResultData(back: back)
        var status: HTTPResponse.Status = .ok
        do {
            let result = try await service.send(input, caller: context.caller!, logger: context.logger)
            data.status = MessageVocabulary.status(result.status)
            data.statusClass = MessageVocabulary.statusClass(result.status)
            data.dryRun = result.dryRun
            data.provider = MessageVocabulary.provider(result.provider)
            data.channel = MessageVocabulary.channel(result.channel.rawValue)
            data.to = result.to ?? "—"
            data.errorCode = MessageVocabulary.providerError(result.errorCode)
            data.text = result.text
            data.form = MessageVocabulary.whatsappForm(result.whatsappForm, template: result.whatsappTemplate)
            data.warnings = result.warnings.map { $0.hasPrefix("quiet_hours") ? "Es horario de silencio; la prueba se envió igual." : $0 }
        } catch let error as APIError {
            status = error.status
            data.error = switch error.status {
            case .forbidden: "No puede enviar pruebas a ese cliente."
            case .notFound: "Ese cliente no existe."
            case .serviceUnavailable: "No hay proveedor configurado para ese canal. Marque «Simulación» para probar sin enviar."
            case .conflict: "Ya hay un envío en curso; inténtelo en un momento."
            default: "No se pudo enviar la prueba (\(error.code))."
            }
        }
        let chrome = Chrome(title: "Prueba de envío", context: context, section: "/mensajes")
        return views.html("test-result", chrome: chrome, content: data, status: status)
    }
}

/// Reads an in-process response's body (Hummingbird only streams bodies into a writer).
enum BodyCollector {
    static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let box = Box()
        try await body.write(Forward(box: box))
        return box.buffer
    }

    /// `finish` consumes the writer, so the bytes live in a box the caller still holds.
    /// Used by one task at a time.
    final class Box: @unchecked Sendable {
        var buffer = ByteBuffer()
    }

    struct Forward: ResponseBodyWriter {
        let box: Box

        mutating func write(_ buffer: ByteBuffer) async throws {
            var incoming = buffer
            box.buffer.writeBuffer(&incoming)
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
