import AvisoLedger
import AvisoProjections
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Synchronization

/// `POST /login` (JSON or form: login, password) → session cookie and CSRF token;
/// `POST /logout` revokes the session; `GET /api/session` says who is signed in.
struct AuthController {
    typealias Context = AppRequestContext
    let users: any UserDirectory
    let sessions: SessionStore
    let throttle: LoginThrottle
    let arguments: AppArguments
    let metrics: ServerMetrics

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

    /// A bcrypt hash of a random password at the configured cost (the cost every user's hash
    /// is made with), verified for unknown logins so a miss takes as long as a wrong password
    /// (no user enumeration by timing). Made once per cost; `ServerParts` makes it at start.
    static func decoyHash(cost: UInt8) -> String {
        if let hash = decoys.withLock({ $0[cost] }) { return hash }
        let hash = Bcrypt.hash(Secrets.token(), cost: cost)
        return decoys.withLock { table in
            if let existing = table[cost] { return existing }
            table[cost] = hash
            return hash
        }
    }

    private static let decoys = Mutex<[UInt8: String]>([:])
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
        let (user, session, cookie) = try await signIn(login: login, password: password, request: request, context: context)
        var response = try JSONResponse.make(SessionInfo(
            user: .init(id: user.id, login: user.login, role: user.role, name: user.name, clientId: user.clientId),
            csrfToken: session.csrfToken, expiresAt: session.expires))
        response.setCookie(cookie)
        return response
    }

    /// Checks a login and password (throttled, constant work for unknown logins) and opens a
    /// session: the JSON route and the console's form both sign in through here.
    func signIn(login rawLogin: String, password: String, request: Request, context: Context) async throws
        -> (user: UserRecord, session: SessionStore.NewSession, cookie: Cookie) {
        let login = rawLogin.trimmingCharacters(in: .whitespaces).lowercased()
        guard !login.isEmpty, !password.isEmpty else { throw APIError.badRequest("login and password are required") }
        // Logins are at most 64 characters; bcrypt reads at most 72 bytes of a password.
        guard login.utf8.count <= 128, password.utf8.count <= 1_024 else {
            throw APIError.badRequest("login or password too long")
        }

        let attempt = try await begin(login: login, request: request, context: context)
        let user = try await users.user(login: login)
        let hash = user?.passwordHash ?? Self.decoyHash(cost: arguments.bcryptCost)
        let matches = await checkPassword(password, hash: hash)
        // A disabled user is refused like a wrong password: the answer tells no one the account exists.
        guard let user, matches, !user.isDisabled, let role = UserRole(rawValue: user.role) else {
            try await throttle.failed(attempt)
            context.logger.notice("login failed")
            throw APIError(.unauthorized, code: "invalid_credentials", "wrong login or password")
        }
        let session = try await sessions.create(userId: user.id, signIn: attempt)
        throttle.succeeded(attempt)
        context.logger.info("login", metadata: ["user": "\(user.id)", "role": "\(role.rawValue)"])
        let cookie = Cookie(name: AccessMiddleware.sessionCookie, value: session.id, maxAge: Int(sessions.lifetime), path: "/",
                            secure: arguments.secureCookies, httpOnly: true, sameSite: .lax)
        return (user, session, cookie)
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        var response = try JSONResponse.make(["signedOut": true])
        response.setCookie(try await signOut(context: context))
        return response
    }

    /// Ends the caller's session; the cookie that clears it in the browser.
    func signOut(context: Context) async throws -> Cookie {
        if let id = context.sessionId { try await sessions.revoke(id, actor: context.caller?.actor ?? "anonymous") }
        return Cookie(name: AccessMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
                      secure: arguments.secureCookies, httpOnly: true, sameSite: .lax)
    }

    @Sendable func session(_ request: Request, context: Context) async throws -> Response {
        guard let caller = context.caller, let userId = caller.userId, let csrf = context.csrfToken else {
            throw APIError.unauthenticated()
        }
        return try JSONResponse.make(SessionInfo(
            user: .init(id: userId, login: caller.login, role: caller.role?.rawValue ?? "", name: caller.name, clientId: caller.clientId),
            csrfToken: csrf, expiresAt: nil))
    }

    /// Counts the attempt with the throttle before any password is checked, or refuses it (429).
    func begin(login: String, request: Request, context: Context) async throws -> LoginThrottle.Attempt {
        switch try await throttle.begin(login: login, address: clientAddress(request, context: context)) {
        case let .proceed(attempt):
            return attempt
        case let .wait(wait):
            context.logger.warning("login throttled")
            throw APIError(.tooManyRequests, code: "too_many_attempts", "too many failed logins; try again later",
                           headers: [.retryAfter: String(Int(wait.rounded(.up)))])
        }
    }

    /// One bcrypt comparison, counted for `/metrics`.
    func checkPassword(_ password: String, hash: String) async -> Bool {
        metrics.countPasswordCheck()
        return await Self.verify(password, hash: hash)
    }

    /// The peer address; behind `forwardedHops` trusted proxies, the `X-Forwarded-For` entry
    /// the farthest of them appended (counted from the right: entries to its left are
    /// whatever the client sent). Repeated headers count as one list, in order.
    func clientAddress(_ request: Request, context: Context) -> String {
        clientAddress(request, peer: context.peerAddress)
    }

    func clientAddress(_ request: Request, peer: String?) -> String {
        guard arguments.trustForwardedFor else { return peer ?? "unknown" }
        let entries = request.headers[values: Self.forwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let index = entries.count - arguments.forwardedHops
        guard index >= 0, Self.isAddress(entries[index]) else { return peer ?? "unknown" }
        return entries[index]
    }

    /// An IPv4 or IPv6 address as a proxy writes it (no port, no garbage).
    static func isAddress(_ text: String) -> Bool {
        guard (2...45).contains(text.utf8.count) else { return false }
        return text.utf8.allSatisfy { ($0 >= 48 && $0 <= 58) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) || $0 == 46 }
    }

    /// bcrypt is deliberately slow: run it off the cooperative pool.
    static func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
    }
}
