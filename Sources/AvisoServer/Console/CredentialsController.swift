import AvisoLedger
import AvisoProjections
import Foundation
import Hummingbird

/// `/configuracion/credenciales`: everyone changes their own password. Checked with the
/// server's bcrypt and login throttle; saved as `CredentialChanged` (hash only) by
/// `UserAdmin`; then every session of the user ends and this browser gets a fresh one.
struct CredentialsController {
    typealias Context = AppRequestContext
    static let path = "/configuracion/credenciales"
    let store: AvisoStore
    let auth: AuthController
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("credenciales", use: show)
        routes.post("credenciales", use: change)
        return routes
    }

    struct Field: Sendable {
        var name: String
        var label: String
        var autocomplete: String
        var message: String?
    }

    struct PageData: Sendable {
        var fields: [Field]
        var error: String?
        var minimum: Int
    }

    enum Problem: Sendable {
        case current(String), new(String), repeated(String), general(String)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let notice = request.uri.queryParameters["ok"] == "clave" ? "Contraseña cambiada. Sus otras sesiones se cerraron."
            : request.uri.queryParameters["cambio"] == "obligatorio" ? "Un administrador restableció su contraseña: elija una nueva para continuar." : nil
        return render(problem: nil, context: context, notice: notice)
    }

    @Sendable func change(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        let current = form["actual"] ?? "", new = form["nueva"] ?? "", repeated = form["repetir"] ?? ""
        let caller = context.caller!
        guard let userId = caller.userId, let user = try await store.readAsync({ try UserRecord.fetchOne($0, key: userId) }) else {
            throw APIError.unauthenticated()
        }
        if current.isEmpty { return render(problem: .current("Escriba su contraseña actual."), context: context) }
        if new.count < UserAdmin.minimumPasswordLength {
            return render(problem: .new("La nueva contraseña debe tener al menos \(UserAdmin.minimumPasswordLength) caracteres."), context: context)
        }
        if new != repeated { return render(problem: .repeated("Las dos contraseñas nuevas no coinciden."), context: context) }
        if new == current { return render(problem: .new("La nueva contraseña debe ser distinta de la actual."), context: context) }

        // Guessing the current password from an open session is throttled like logins.
        let attempt: LoginThrottle.Attempt
        do {
            attempt = try await auth.begin(login: user.login, request: request, context: context)
        } catch let error as APIError {
            return render(problem: .general(LoginController.throttledMessage(error.headers[.retryAfter])), context: context,
                          status: .tooManyRequests)
        }
        guard await auth.checkPassword(current, hash: user.passwordHash) else {
            try await auth.throttle.failed(attempt)
            context.logger.notice("password change refused: wrong current password")
            return render(problem: .current("La contraseña actual no es correcta. No se cambió nada."), context: context)
        }
        try await UserAdmin.changePassword(userId: userId, password: new, in: store, actor: caller.actor, cost: auth.arguments.bcryptCost)
        // The change itself ends every session of this user (other browsers, a stolen cookie:
        // see `SessionProjection`); this one continues under a new id and CSRF token.
        let session = try await auth.sessions.create(userId: userId, signIn: attempt)
        auth.throttle.succeeded(attempt)
        let cookie = Cookie(name: AccessMiddleware.sessionCookie, value: session.id, maxAge: Int(auth.sessions.lifetime), path: "/",
                            secure: auth.arguments.secureCookies, httpOnly: true, sameSite: .lax)
        context.logger.info("password changed", metadata: ["user": "\(userId)"])
        var response = ConsoleViews.redirect(Self.path + "?ok=clave")
        response.setCookie(cookie)
        return response
    }

    private func render(problem: Problem?, context: Context, notice: String? = nil, status: HTTPResponse.Status? = nil) -> Response {
        func message(_ name: String) -> String? {
            switch (problem, name) {
            case let (.current(m)?, "actual"), let (.new(m)?, "nueva"), let (.repeated(m)?, "repetir"): m
            default: nil
            }
        }
        var error: String?
        if case let .general(m)? = problem { error = m }
        let fields = [("actual", "Contraseña actual", "current-password"), ("nueva", "Nueva contraseña", "new-password"),
                      ("repetir", "Repita la nueva contraseña", "new-password")]
            .map { Field(name: $0.0, label: $0.1, autocomplete: $0.2, message: message($0.0)) }
        let chrome = Chrome(title: "Credenciales", heading: "Configuración", context: context, section: "/configuracion", tab: Self.path,
                            notice: notice)
        return views.html("credentials", chrome: chrome, content: PageData(fields: fields, error: error, minimum: UserAdmin.minimumPasswordLength),
                          status: status ?? (problem == nil ? .ok : .unprocessableContent))
    }
}
