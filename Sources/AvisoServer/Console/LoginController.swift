import Foundation
import HTTPTypes
import Hummingbird

/// `GET/POST /ingresar` and `POST /salir`: the HTML face of the server's `POST /login` and
/// `POST /logout`. The form is handed to `AuthController` as is, so throttling, bcrypt and
/// the session cookie stay in one place; this only turns its JSON answers into pages.
struct LoginController {
    typealias Context = AppRequestContext
    let auth: AuthController
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("ingresar", use: show)
        routes.post("ingresar", use: submit)
        routes.post("salir", use: logout)
        return routes
    }

    struct Form: Sendable {
        var login = ""
        var next = "/"
        var error: String?
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        var form = Form()
        form.next = Self.safeNext(request.uri.queryParameters["siguiente"].map(String.init))
        let notice = request.uri.queryParameters["salida"] != nil ? "Sesión cerrada." : nil
        var chrome = Chrome(anonymousTitle: "Ingresar")
        chrome.notice = notice
        return views.html("login", chrome: chrome, content: form)
    }

    @Sendable func submit(_ request: Request, context: Context) async throws -> Response {
        let fields = try await FormFields.read(request, context: context, limit: 16 * 1024)
        var form = Form()
        form.login = fields["login"] ?? ""
        form.next = Self.safeNext(fields["siguiente"])
        do {
            // The same sign-in as `POST /login` (throttle, bcrypt, session), answered with a redirect.
            let (_, _, cookie) = try await auth.signIn(login: form.login, password: fields["password"] ?? "", request: request, context: context)
            var response = ConsoleViews.redirect(form.next)
            response.setCookie(cookie)
            return response
        } catch let error as APIError {
            form.error = switch error.status {
            case .tooManyRequests: Self.throttledMessage(error.headers[.retryAfter])
            case .badRequest: "Escriba su usuario y su contraseña."
            default: "Usuario o contraseña incorrectos."
            }
            return views.html("login", chrome: Chrome(anonymousTitle: "Ingresar"), content: form, status: error.status)
        }
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        var response = ConsoleViews.redirect("/ingresar?salida=1")
        response.setCookie(try await auth.signOut(context: context))
        return response
    }

    static func throttledMessage(_ retryAfter: String?) -> String {
        let minutes = max(1, Int(((Double(retryAfter ?? "") ?? 60) / 60).rounded(.up)))
        return "Demasiados intentos fallidos. Espere \(minutes) \(minutes == 1 ? "minuto" : "minutos") y vuelva a intentarlo."
    }

    /// Where to go after signing in: only a page the console serves (`ConsolePages`), else
    /// the default. Everything else (`//host`, `/\\host`, `/%09/host`, `\\/\\/host`, control
    /// characters, `https://…`) falls back to `/` (the role's start page).
    static func safeNext(_ value: String?) -> String {
        guard let value, let safe = ConsolePages.localTarget(value), safe != "/ingresar" else { return "/" }
        return safe
    }
}
