import AvisoLedger
import AvisoProjections
import Foundation
import HTTPTypes
import Hummingbird

/// Users as the read models know them.
public protocol UserDirectory: Sendable {
    func user(id: String) async throws -> UserRecord?
    func user(login: String) async throws -> UserRecord?
}

/// The middleware of one access group (`AccessRoutes`): resolves the caller (cron bearer
/// secret or session cookie), applies the group's rule from `AccessPolicy.table`, and checks
/// the CSRF token on state-changing requests that ride on a session cookie.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let sessionCookie = "aviso_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let csrfFormField = "_csrf"

    let rule: AccessRule
    let sessions: SessionStore
    let users: any UserDirectory
    let cronSecret: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = context.endpointPath else { throw APIError.notFound("no such route") }
        if rule == .open { return try await next(request, context) }

        var context = context
        var request = request
        if let bearer = Self.bearerToken(request) {
            guard rule.acceptsCron, let cronSecret, Secrets.constantTimeEqual(bearer, cronSecret) else {
                throw APIError(.unauthorized, code: "unauthenticated", "the bearer token is not accepted here")
            }
            context.caller = .cron
        } else if let signedIn = try await Self.sessionCaller(request, sessions: sessions, users: users) {
            context.caller = signedIn.caller
            context.sessionId = signedIn.sessionId
            context.csrfToken = signedIn.csrfToken
            // After an admin's reset, only changing the password (or leaving) is allowed.
            if signedIn.mustChangePassword, !Self.allowedBeforePasswordChange.contains("\(request.method.rawValue) \(path)") {
                throw APIError.forbidden("choose a new password first", code: "password_change_required")
            }
        }
        guard let caller = context.caller else { throw APIError.unauthenticated() }

        let allowed: Bool
        switch rule {
        case .open: allowed = true
        case let .roles(roles): allowed = caller.role.map(roles.contains) ?? false
        case let .rolesOrCron(roles): allowed = caller.isCron || (caller.role.map(roles.contains) ?? false)
        case .cron: allowed = caller.isCron
        }
        guard allowed else { throw APIError.forbidden("your role may not do this") }

        if let expected = context.csrfToken, ![.get, .head, .options].contains(request.method) {
            var presented = request.headers[Self.csrfHeader]
            if presented == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                let body = try await request.collectBody(upTo: context.maxUploadSize)
                presented = FormEncoding.parse(String(buffer: body)).first { $0.name == Self.csrfFormField }?.value
            }
            guard let presented, Secrets.constantTimeEqual(presented, expected) else {
                throw APIError.forbidden("missing or wrong CSRF token", code: "csrf")
            }
        }
        return try await next(request, context)
    }

    /// The user behind the request's session cookie, if it names a live session.
    /// A disabled user's session counts for nothing (fail closed, even if it was not revoked).
    static func sessionCaller(_ request: Request, sessions: SessionStore, users: any UserDirectory) async throws
        -> (caller: Caller, sessionId: String, csrfToken: String, mustChangePassword: Bool)? {
        guard let sessionId = request.cookies[sessionCookie]?.value, let session = try await sessions.lookup(sessionId),
              let user = try await users.user(id: session.userId), !user.isDisabled, let role = UserRole(rawValue: user.role) else { return nil }
        return (Caller(userId: user.id, login: user.login, role: role, name: user.name, clientId: user.clientId, isCron: false),
                sessionId, session.csrfToken, user.mustChange)
    }

    static let allowedBeforePasswordChange: Set<String> = [
        "GET /configuracion/credenciales", "POST /configuracion/credenciales", "POST /salir", "POST /logout", "GET /api/session",
    ]

    static func bearerToken(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}
