import Foundation
import Hummingbird

/// Browsers on console pages get HTML instead of the API's JSON errors: not signed in (or
/// the session expired) → 303 to the login page; forbidden, CSRF, not found → a Spanish
/// page with the same status. Sits outside `AccessMiddleware` so its refusals are covered;
/// API routes and JSON callers (the live preview) are left to `ErrorMiddleware`.
struct ConsoleErrorPages: RouterMiddleware {
    typealias Context = AppRequestContext
    let views: ConsoleViews
    /// To show a signed-in caller's navigation and logout button on the error page too (this
    /// middleware runs outside `AccessMiddleware`, so it finds the caller itself).
    let sessions: SessionStore
    let users: any UserDirectory

    static let prefixes = ["/configuracion", "/mensajes", "/clientes", "/proximos", "/panel", "/usuarios", "/ingresar", "/salir"]

    static func isConsolePage(_ path: String) -> Bool {
        path == "/" || prefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isConsolePage(request.uri.path), !Self.wantsJSON(request) else {
            return try await next(request, context)
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return await page(status: error.status, code: error.code, request: request)
        } catch let error as HTTPError {
            return await page(status: error.status, code: nil, request: request)
        } catch let error as any HTTPResponseError {
            // A form over its limit (NIOTooManyBytesError) is the client's 413, not our 500.
            return await page(status: error.status, code: nil, request: request)
        } catch {
            context.logger.error("console request failed", metadata: ["error.type": "\(type(of: error))", "error": "\(error)"])
            return await page(status: .internalServerError, code: nil, request: request)
        }
    }

    func page(status: HTTPResponse.Status, code: String?, request: Request) async -> Response {
        if status == .unauthorized {
            // Come back here after signing in, when it was a page (not a form post).
            let back = request.method == .get ? "?siguiente=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["/", "-"])) ?? "") : ""
            return ConsoleViews.redirect("/ingresar" + back)
        }
        if code == "password_change_required" { return ConsoleViews.redirect("/configuracion/credenciales?cambio=obligatorio") }
        let (title, message) = Self.explain(status: status, code: code)
        let signedIn = try? await AccessMiddleware.sessionCaller(request, sessions: sessions, users: users)
        let chrome = signedIn.map { Chrome(title: title, caller: $0.caller, csrf: $0.csrfToken, section: "") } ?? Chrome(anonymousTitle: title)
        return views.html("error", chrome: chrome, content: ["message": message], status: status)
    }

    static func explain(status: HTTPResponse.Status, code: String?) -> (String, String) {
        switch (status.code, code) {
        case (403, "csrf"?): ("Formulario vencido", "El formulario venció o no salió de esta página. Vuelva a cargar la página e inténtelo de nuevo.")
        case (403, _): ("Acceso denegado", "Su usuario no tiene permiso para ver esta página.")
        case (404, _): ("No encontrado", "La página o el registro que busca no existe.")
        case (429, _): ("Demasiados intentos", "Demasiados intentos seguidos. Espere unos minutos y vuelva a intentarlo.")
        case (413, _): ("Formulario demasiado grande", "El formulario enviado supera el tamaño permitido (256 KB). No se guardó nada.")
        case (400, _), (422, _): ("Solicitud inválida", "La solicitud no es válida. Vuelva a la página anterior y revise los datos.")
        case (503, _): ("No disponible", "El servicio no está disponible en este momento.")
        default: ("Error", "Ocurrió un error inesperado. El detalle quedó en el registro del servidor.")
        }
    }

    static func wantsJSON(_ request: Request) -> Bool {
        (request.headers[.accept] ?? "").contains("application/json")
            || (request.headers[.contentType] ?? "").hasPrefix("application/json")
    }
}
