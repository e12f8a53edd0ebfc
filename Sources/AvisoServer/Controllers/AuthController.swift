import AvisoLedger
import AvisoProjections
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt

/// `POST /login` (JSON or form: login, password) → session cookie and CSRF token;
/// `POST /logout` revokes the session; `GET /api/session` says who is signed in.
struct AuthController {
    typealias Context = AppRequestContext
    let users: any UserDirectory
    let sessions: SessionStore
    let throttle: LoginThrottle
    let arguments: AppArguments

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("login", use: login)
        routes.post("logout", use: logout)
        routes.get("api/session", use: session)
        return routes
    }

    struct SessionInfo: Encodable {
        struct User: Encodable {
            var id: String
            var login: String
            var role: String
            var name: String
            var clientId: String?
        }
        var user: User
        var csrfToken: String
        var expiresAt: Date?
    }

    /// A bcrypt hash of a random password, verified for unknown logins so a miss takes as
    /// long as a wrong password (no user enumeration by timing).
    static let decoyHash = Bcrypt.hash(Secrets.token(), cost: 10)
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        var login = "", password = ""
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            for (name, value) in FormEncoding.parse(String(buffer: body)) {
                if name == "login" { login = value } else if name == "password" { password = value }
            }
        } else {
            struct Credentials: Decodable { var login: String; var password: String }
            guard let c = try? JSONDecoder().decode(Credentials.self, from: Data(buffer: body)) else {
                throw APIError.badRequest("expected {login, password} as JSON or a form", code: "invalid_json")
            }
            (login, password) = (c.login, c.password)
        }
        login = login.trimmingCharacters(in: .whitespaces).lowercased()
        guard !login.isEmpty, !password.isEmpty else { throw APIError.badRequest("login and password are required") }

        let address = clientAddress(request, context: context)
        if let wait = throttle.retryAfter(login: login, address: address) {
            context.logger.warning("login throttled")
            throw APIError(.tooManyRequests, code: "too_many_attempts", "too many failed logins; try again later",
                           headers: [.retryAfter: String(Int(wait.rounded(.up)))])
        }
        let user = try users.user(login: login)
        let hash = user?.passwordHash ?? Self.decoyHash
        let matches = await Self.verify(password, hash: hash)
        guard let user, matches, let role = UserRole(rawValue: user.role) else {
            throttle.recordFailure(login: login, address: address)
            context.logger.notice("login failed")
            throw APIError(.unauthorized, code: "invalid_credentials", "wrong login or password")
        }
        throttle.recordSuccess(login: login)
        let session = sessions.create(userId: user.id)
        context.logger.info("login", metadata: ["user": "\(user.id)", "role": "\(role.rawValue)"])
        let cookie = Cookie(name: AccessMiddleware.sessionCookie, value: session.id, maxAge: Int(sessions.lifetime), path: "/",
                            secure: arguments.secureCookies, httpOnly: true, sameSite: .lax)
        var response = try JSONResponse.make(SessionInfo(
            user: .init(id: user.id, login: user.login, role: user.role, name: user.name, clientId: user.clientId),
            csrfToken: session.csrfToken, expiresAt: session.expires))
        response.setCookie(cookie)
        return response
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        if let id = context.sessionId { sessions.revoke(id) }
        var response = try JSONResponse.make(["signedOut": true])
        response.setCookie(Cookie(name: AccessMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
                                  secure: arguments.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func session(_ request: Request, context: Context) async throws -> Response {
        guard let caller = context.caller, let userId = caller.userId, let csrf = context.csrfToken else {
            throw APIError.unauthenticated()
        }
        return try JSONResponse.make(SessionInfo(
            user: .init(id: userId, login: caller.login, role: caller.role?.rawValue ?? "", name: caller.name, clientId: caller.clientId),
            csrfToken: csrf, expiresAt: nil))
    }

    /// The peer address, or behind a trusted proxy the first `X-Forwarded-For` entry.
    func clientAddress(_ request: Request, context: Context) -> String {
        if arguments.trustForwardedFor, let forwarded = request.headers[Self.forwardedFor],
           let first = forwarded.split(separator: ",").first {
            return first.trimmingCharacters(in: .whitespaces)
        }
        return context.peerAddress ?? "unknown"
    }

    /// bcrypt is deliberately slow: run it off the cooperative pool.
    static func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
    }
}
