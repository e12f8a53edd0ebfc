import AvisoLedger
import AvisoMessaging
import AvisoScheduler
import Foundation
import Hummingbird

/// The web console (issue 6): server-rendered pages over the same store, sessions, role
/// table and notification handlers as the API. `buildRouter` adds `errorPages` to the router
/// (so refusals become pages) and `mount`s the routes through the access groups (so every
/// console route is checked against `AccessPolicy.table`).
struct Console {
    let views: ConsoleViews
    let auth: AuthController
    let parts: ServerParts
    let arguments: AppArguments
    let actions: any NotificationActions

    init(parts: ServerParts, arguments: AppArguments, actions: any NotificationActions, views: ConsoleViews = .shared) {
        self.views = views
        self.parts = parts
        self.arguments = arguments
        self.actions = actions
        auth = AuthController(users: SQLiteUserDirectory(store: parts.store), sessions: parts.sessions, throttle: parts.throttle,
                              arguments: arguments, metrics: parts.metrics)
    }

    var errorPages: ConsoleErrorPages {
        ConsoleErrorPages(views: views, sessions: parts.sessions, users: SQLiteUserDirectory(store: parts.store))
    }

    func mount(on router: AccessRoutes) {
        let store = parts.store
        let previewer = TemplatePreviewer(store: store, providers: arguments.providers)
        router.addRoutes(HomeController(views: views).routes)
        router.addRoutes(LoginController(auth: auth, views: views).routes)
        router.addRoutes(MessagingSettingsController(store: store, providers: ProviderStatus(arguments: arguments),
                                                     views: views).routes, atPath: "/configuracion")
        router.addRoutes(TemplatesController(store: store, previewer: previewer, defaults: Self.shippedTemplates(), views: views).routes,
                         atPath: "/configuracion")
        router.addRoutes(WhatsAppSyncController(store: store, configuration: arguments.providerConfiguration).routes,
                         atPath: "/configuracion")
        router.addRoutes(CredentialsController(store: store, auth: auth, views: views).routes, atPath: "/configuracion")
        router.addRoutes(MessagesController(store: store, views: views).routes, atPath: "/mensajes")
        router.addRoutes(ClientsController(store: store, views: views).routes, atPath: "/clientes")
        router.addRoutes(UpcomingController(store: store, views: views).routes, atPath: "/proximos")
        router.addRoutes(DashboardController(store: store, views: views).routes, atPath: "/panel")
        router.addRoutes(UsersController(store: store, bcryptCost: arguments.bcryptCost, views: views).routes,
                         atPath: "/usuarios")
        router.addRoutes(TestSendController(service: TestSendService(store: store, actions: actions), views: views).routes,
                         atPath: "/mensajes")
    }

    /// The shipped defaults by `stage/channel`; none (restore-to-default disabled) if unreadable.
    static func shippedTemplates() -> [String: MessageTemplate] {
        guard let templates = try? ShippedFixtures.fromEnvironment().defaultTemplates() else { return [:] }
        return Dictionary(templates.map { ("\($0.stage.rawValue)/\($0.channel.rawValue)", $0) }, uniquingKeysWith: { a, _ in a })
    }
}
