import AvisoLedger
import AvisoProjections
import Foundation
import Hummingbird

/// `/panel`: the admin's start page (`DeliveryDashboard`).
struct DashboardController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: page)
        return routes
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        let data = try await store.readAsync { try DeliveryDashboard.build($0) }
        return views.html("dashboard", chrome: Chrome(title: "Panel", context: context, section: "/panel"), content: data)
    }
}
