import Hummingbird

/// `/` leads to the caller's start page and `/configuracion` to its first tab, and the
/// stylesheet and script are served from memory.
struct HomeController {
    typealias Context = AppRequestContext
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: home)
        routes.get("configuracion", use: configuration)
        routes.get("consola/estilo.css") { _, _ in asset(views.stylesheet, type: "text/css; charset=utf-8") }
        routes.get("consola/consola.js") { _, _ in asset(views.script, type: "text/javascript; charset=utf-8") }
        return routes
    }

    /// An admin starts on the dashboard, an asesor on their own clients' messages, a cliente
    /// on Credenciales: the first of these the role may open.
    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        let start = ["/panel", "/mensajes"].first { ConsoleAccess.allows(context.caller?.role, "GET", $0) } ?? "/configuracion"
        return ConsoleViews.redirect(start)
    }

    @Sendable func configuration(_ request: Request, context: Context) async throws -> Response {
        // Every role has at least Credenciales.
        let first = ConsoleAccess.tabs(for: context.caller?.role).first?.path ?? "/configuracion/credenciales"
        return ConsoleViews.redirect(first)
    }

    func asset(_ body: ByteBuffer, type: String) -> Response {
        var headers = ConsoleViews.securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
