import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13, the server's shape: routes go in through access groups that carry their own
/// authentication and role middleware and read their rule from the role table
/// (`AccessPolicy.table`). Every route has a line, every line is a route, and a route added
/// without a line, or put straight onto the router around the groups, is refused before its
/// handler runs.
@Suite struct AccessGroupsTests {
    @Test func everyRouteHasALineAndEveryLineIsARoute() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let registry = AccessRoutes.Registry()
        _ = buildRouter(env.arguments, parts: env.parts, actions: env.actions, registry: registry)
        let routes = registry.all
        #expect(routes.filter { $0.value == nil }.keys.sorted() == [], "routes the role table does not list")
        #expect(Set(AccessPolicy.table.keys).subtracting(routes.keys).sorted() == [], "lines for routes that do not exist")
        #expect(routes["POST /clientes/{id}/pausa"] == .some(.roles([.admin])))
        #expect(routes["GET /api/notifications/run"] == .some(.cron))
    }

    @Test func aRouteMissingFromTheTableIsRefusedBeforeItsHandler() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        let routes = AccessRoutes(router: router, sessions: env.parts.sessions, users: SQLiteUserDirectory(store: env.store),
                                  cronSecret: TestSecrets.cronSecret)
        let ran = ResultFlag()
        let collection = RouteCollection(context: AppRequestContext.self)
        collection.get("secreto") { _, _ -> String in
            ran.set()
            return "no"
        }
        routes.addRoutes(collection, atPath: "/nuevo")
        #expect(routes.registry.all["GET /nuevo/secreto"] == .some(nil))
        // Put straight onto the router, around the groups: refused as well.
        router.get("/healthz") { _, _ -> String in
            ran.set()
            return "no"
        }
        try await Application(router: router).test(.router) { client in
            for uri in ["/nuevo/secreto", "/healthz"] {
                for headers: HTTPFields in [[:], .cron] {
                    try await client.execute(uri: uri, method: .get, headers: headers) { response in
                        #expect(response.status == .forbidden, "\(uri)")
                        #expect(errorCode(response.body) == "no_access_rule", "\(uri)")
                    }
                }
            }
        }
        #expect(!ran.value)
    }
}

/// Set once from a handler, read after the requests.
final class ResultFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
