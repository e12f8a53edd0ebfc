import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import Hummingbird

/// `/usuarios` (admins): every user with role and state; disable or enable one (their
/// sessions end), or reset a password to a one-time one shown once, which must be changed
/// at the next login. Each change is an event with the admin as author.
struct UsersController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let bcryptCost: UInt8
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: list)
        routes.post("", use: change)
        return routes
    }

    struct Row: Sendable {
        var id: String
        var login: String
        var name: String
        var role: String
        var state: String
        var stateClass: String
        var disabled: Bool
        var passwordChanged: String
        /// From `SessionStarted`: the latest sign-in, or "Nunca".
        var lastLogin: String
        var isSelf: Bool
    }

    struct Data: Sendable {
        var users: [Row]
        var oneTimePassword: String?
        var resetLogin: String?
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let notice: String? = switch request.uri.queryParameters["ok"] {
        case "desactivado": "Usuario desactivado: sus sesiones se cerraron."
        case "activado": "Usuario activado."
        default: nil
        }
        return try await render(context: context, notice: notice, oneTime: nil)
    }

    @Sendable func change(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormFields.read(request, context: context)
        let caller = context.caller!
        let userId = form.text("usuario")
        guard let user = try await store.readAsync({ try UserRecord.fetchOne($0, key: userId) }) else { throw APIError.notFound("no such user") }
        switch form["accion"] {
        case "desactivar":
            guard user.id != caller.userId else { throw APIError.badRequest("an admin cannot disable themselves", code: "self_disable") }
            // Disabling ends the user's sessions on every node (`SessionProjection`).
            try await UserAdmin.setDisabled(userId: user.id, true, in: store, actor: caller.actor)
            return ConsoleViews.redirect("/usuarios?ok=desactivado")
        case "activar":
            try await UserAdmin.setDisabled(userId: user.id, false, in: store, actor: caller.actor)
            return ConsoleViews.redirect("/usuarios?ok=activado")
        case "restablecer":
            let password = try await UserAdmin.resetPassword(userId: user.id, in: store, actor: caller.actor, cost: bcryptCost)
            context.logger.info("password reset", metadata: ["user": "\(user.id)", "actor": "\(caller.actor)"])
            // Shown in this answer only (never stored, never in a URL); the page is not cached.
            return try await render(context: context, notice: "Contraseña restablecida.", oneTime: (user.login, password))
        default:
            throw APIError.badRequest("accion must be desactivar, activar or restablecer", code: "invalid_action")
        }
    }

    func render(context: Context, notice: String?, oneTime: (login: String, password: String)?) async throws -> Response {
        let caller = context.caller!
        let rows = try await store.readAsync { db in
            let zone = try MessagingSettings.current(db).zone
            let lastLogins = try SessionProjection.lastLogins(db)
            return try UserRecord.order(Column("login")).fetchAll(db).map { u in
                Row(id: u.id, login: u.login, name: u.name, role: ConsoleAccess.roleLabel(UserRole(rawValue: u.role)),
                    state: u.isDisabled ? "Desactivado" : u.mustChange ? "Debe cambiar la contraseña" : "Activo",
                    stateClass: u.isDisabled ? "malo" : u.mustChange ? "neutro" : "ok", disabled: u.isDisabled,
                    passwordChanged: ConsoleFormatting.dateTime(utc: u.passwordChangedAt, in: zone),
                    lastLogin: lastLogins[u.id].map { ConsoleFormatting.dateTime(utc: $0, in: zone) } ?? "Nunca",
                    isSelf: u.id == caller.userId)
            }
        }
        let chrome = Chrome(title: "Usuarios", context: context, section: "/usuarios", notice: notice)
        return views.html("users", chrome: chrome, content: Data(users: rows, oneTimePassword: oneTime?.password, resetLogin: oneTime?.login))
    }
}
