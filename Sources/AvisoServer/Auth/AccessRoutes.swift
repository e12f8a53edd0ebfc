import AvisoLedger
import Foundation
import HTTPTypes
import Hummingbird

/// The router's access groups: one route group per rule of the role table
/// (`AccessPolicy.table`, data), each carrying the authentication and role middleware for
/// that rule (`AccessMiddleware`). Controllers add their routes here as to a router
/// (`addRoutes(_:atPath:)`); each route is looked up in the table and goes into its rule's
/// group. A route without a line goes into a group whose middleware refuses every request,
/// so an unlisted route cannot slip past (fail closed); `registry` lists what was added. A
/// route put straight onto the router, around the groups, is refused too (`GroupedRoutesOnly`).
struct AccessRoutes: RouterMethods {
    typealias Context = AppRequestContext

    /// Every route added, with its rule (nil: not in the table, refused). Tests read it.
    final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var routes: [String: AccessRule?] = [:]

        func note(_ key: String, _ rule: AccessRule?) { lock.withLock { routes[key] = .some(rule) } }
        var all: [String: AccessRule?] { lock.withLock { routes } }
        func contains(_ key: String) -> Bool { lock.withLock { routes[key] != nil } }
    }

    private let groups: [AccessRule: RouterGroup<Context>]
    private let unlisted: RouterGroup<Context>
    let registry: Registry

    init(router: Router<Context>, sessions: SessionStore, users: any UserDirectory, cronSecret: String?, registry: Registry = Registry()) {
        // On the router itself, so it covers every route added after this, grouped or not.
        router.add(middleware: GroupedRoutesOnly(registry: registry))
        var groups: [AccessRule: RouterGroup<Context>] = [:]
        for rule in Set(AccessPolicy.table.values) {
            groups[rule] = router.group().add(middleware: AccessMiddleware(rule: rule, sessions: sessions, users: users, cronSecret: cronSecret))
        }
        self.groups = groups
        unlisted = router.group().add(middleware: UnlistedRouteMiddleware())
        self.registry = registry
    }

    @discardableResult func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method,
                                                         responder: Responder) -> Self where Responder.Context == Context {
        let key = "\(method.rawValue) \(path)"
        let rule = AccessPolicy.table[key]
        registry.note(key, rule)
        (rule.flatMap { groups[$0] } ?? unlisted).on(path, method: method, responder: responder)
        return self
    }

    /// Middleware belongs to a group's rule, never to all of them: refused (use a group).
    func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        preconditionFailure("add middleware to a router group, not to AccessRoutes")
    }
}

/// The middleware of routes missing from the role table: every request is refused.
struct UnlistedRouteMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.error("route has no access rule: refused", metadata: ["route": "\(request.method.rawValue) \(context.endpointPath ?? "?")"])
        throw APIError.forbidden("this route has no access rule", code: "no_access_rule")
    }
}

/// On the router: a matched route that did not go in through `AccessRoutes` (so has no access
/// group) is refused before anything else runs.
struct GroupedRoutesOnly: RouterMiddleware {
    typealias Context = AppRequestContext
    let registry: AccessRoutes.Registry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // No endpoint: no route matched (this also wraps the router's not-found answer).
        guard let path = context.endpointPath else { throw APIError.notFound("no such route") }
        let key = "\(request.method.rawValue) \(path)"
        guard registry.contains(key) else {
            context.logger.error("route outside the access groups: refused", metadata: ["route": "\(key)"])
            throw APIError.forbidden("this route has no access rule", code: "no_access_rule")
        }
        return try await next(request, context)
    }
}
