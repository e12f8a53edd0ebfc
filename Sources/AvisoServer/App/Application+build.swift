import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceLifecycle

/// The long-lived parts of the server, made once and shared by the routes.
public struct ServerParts: Sendable {
    public let store: AvisoStore
    public let projector: BackgroundProjector
    public let sessions: SessionStore
    public let throttle: LoginThrottle
    public let metrics: ServerMetrics

    public init(store: AvisoStore, arguments: AppArguments, logger: Logger, throttle: LoginThrottle.Limits = .init()) {
        self.store = store
        projector = BackgroundProjector(store: store, logger: logger)
        // Sessions and login failures are ledger events: every node sharing the log agrees on them.
        let log = StoreAuthLog(store: store, projector: projector)
        sessions = SessionStore(log: log, lifetime: arguments.sessionLifetime)
        self.throttle = LoginThrottle(limits: throttle, log: log)
        metrics = ServerMetrics()
        // The decoy hash is made now, so the first unknown login costs no more than any other.
        _ = AuthController.decoyHash(cost: arguments.bcryptCost)
    }
}

/// Builds the Aviso HTTP application: router, middleware, controllers and services.
/// `aviso serve` runs it; tests build the same thing with test arguments and call it through
/// `.router` (no socket) or `.live`.
public func buildApplication(_ arguments: AppArguments, store: AvisoStore, actions: any NotificationActions,
                             logger: Logger, parts: ServerParts? = nil, scheduler: SchedulerService? = nil,
                             whatsappSync: WhatsAppSyncService? = nil, checkpoints: CheckpointService? = nil) -> some ApplicationProtocol {
    let parts = parts ?? ServerParts(store: store, arguments: arguments, logger: logger)
    for warning in arguments.configurationWarnings {
        logger.warning("configuration: \(warning)")
    }
    if let banner = arguments.insecureWebhookBanner { logger.critical("\(banner)") }
    let router = buildRouter(arguments, parts: parts, actions: actions)
    return Application(
        router: router,
        configuration: .init(address: .hostname(arguments.host, port: arguments.port), serverName: arguments.serverName),
        // Graceful shutdown stops services in reverse order: the HTTP server (appended by
        // Application) drains in-flight requests first, then the scheduler's loop stops, then
        // the projector catches up, then the ledger closes after its queued appends.
        services: [StoreService(store: store, logger: logger), parts.projector]
            + (store.directory.sharedLedger == nil ? [] : [SharedLedgerFollower(store: store, projector: parts.projector, logger: logger)])
            + (scheduler.map { [$0 as any Service] } ?? [])
            + (whatsappSync.map { [$0 as any Service] } ?? []) + (checkpoints.map { [$0 as any Service] } ?? []),
        logger: logger
    )
}

/// The router alone, for tests that want it without an `Application`.
public func buildRouter(_ arguments: AppArguments, parts: ServerParts, actions: any NotificationActions) -> Router<AppRequestContext> {
    buildRouter(arguments, parts: parts, actions: actions, registry: AccessRoutes.Registry())
}

/// The same, noting every route and its access rule in `registry`.
func buildRouter(_ arguments: AppArguments, parts: ServerParts, actions: any NotificationActions,
                 registry: AccessRoutes.Registry) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let users = SQLiteUserDirectory(store: parts.store)
    router.add(middleware: RequestLatencyMiddleware(metrics: parts.metrics))
    router.add(middleware: RequestLogMiddleware(metrics: parts.metrics))
    router.add(middleware: ErrorMiddleware())
    let console = Console(parts: parts, arguments: arguments, actions: actions)
    router.add(middleware: console.errorPages) // console pages: HTML refusals instead of JSON
    // Every route goes in through its access group (`AccessPolicy.table`); none straight onto `router`.
    let routes = AccessRoutes(router: router, sessions: parts.sessions, users: users, cronSecret: arguments.cronSecret, registry: registry)
    console.mount(on: routes)

    routes.addRoutes(HealthController(store: parts.store, metrics: parts.metrics, arguments: arguments).routes)
    routes.addRoutes(CheckpointController(store: parts.store).routes)
    routes.addRoutes(AuthController(users: users, sessions: parts.sessions, throttle: parts.throttle, arguments: arguments,
                                    metrics: parts.metrics).routes)
    routes.addRoutes(WebhookController(arguments: arguments, sink: LedgerEventSink(store: parts.store, projector: parts.projector),
                                       metrics: parts.metrics).routes,
                     atPath: "/api/webhooks")
    routes.addRoutes(NotificationsController(store: parts.store, actions: actions, providers: arguments.providers).routes,
                     atPath: "/api/notifications")
    routes.addRoutes(PortfolioController(store: parts.store).routes, atPath: "/api")
    return router
}

/// Users from the read models.
struct SQLiteUserDirectory: UserDirectory {
    let store: AvisoStore

    func user(id: String) async throws -> UserRecord? {
        try await store.readAsync { try UserRecord.fetchOne($0, key: id) }
    }

    func user(login: String) async throws -> UserRecord? {
        try await store.readAsync { try UserRecord.filter(Column("login") == login).fetchOne($0) }
    }
}
