import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import Hummingbird

/// `/clientes`: search among the caller's clients; `/clientes/{id}`: one client's page. An
/// asesor finds and opens only their own clients (checked here, on the server).
struct ClientsController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: search)
        routes.get("por-corregir", use: toFix)
        routes.get("{id}", use: page)
        routes.post("{id}/pausa", use: pause)
        return routes
    }

    struct Found: Sendable {
        var id: String
        var name: String
        var href: String
        var phone: String
        var advisor: String
    }

    struct SearchData: Sendable {
        var query: String
        var results: [Found]
        var summary: String
    }

    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        let caller = context.caller!
        // A GET form writes spaces as `+`, which the query parser leaves as is.
        let query = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(100))
            .replacingOccurrences(of: "+", with: " ").trimmingCharacters(in: .whitespaces)
        let (total, clients) = try await store.readAsync { try ClientSearch.find(query, for: caller, $0) }
        let shown = clients.map { Found(id: $0.id, name: $0.name, href: "/clientes/\($0.id)", phone: Masking.phone($0.phone), advisor: $0.advisor ?? "—") }
        let summary = (total == 1 ? "1 cliente" : "\(total) clientes") + (total > shown.count ? " (se muestran \(shown.count); afine la búsqueda)" : "")
        let chrome = Chrome(title: "Clientes", context: context, section: "/clientes")
        return views.html("clients", chrome: chrome, content: SearchData(query: query, results: shown, summary: summary))
    }

    struct ToFix: Sendable {
        var id: String
        var name: String
        var href: String
        var phone: String
        var reason: String
    }

    /// Admins: every client whose number cannot receive messages (invalid or a fixed line), with why.
    @Sendable func toFix(_ request: Request, context: Context) async throws -> Response {
        let rows = try await store.readAsync { db in
            try ClientRecord.order(Column("id")).fetchAll(db).compactMap { c -> ToFix? in
                let (valid, verdict) = ClientPageData.phoneVerdict(c)
                return valid ? nil : ToFix(id: c.id, name: c.name, href: "/clientes/\(c.id)", phone: Masking.phone(c.phone), reason: verdict)
            }
        }
        let chrome = Chrome(title: "Números por corregir", context: context, section: "/clientes")
        return views.html("clients-to-fix", chrome: chrome, content: ["clients": rows])
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        guard let id = context.parameters.get("id"), id.utf8.count <= 100 else { throw APIError.notFound("no such client") }
        let notice: String? = switch request.uri.queryParameters["ok"] {
        case "pausado": "Envíos a este cliente en pausa."
        case "reanudado": "Envíos a este cliente reanudados."
        default: nil
        }
        return try await render(id, context: context, notice: notice, pauseError: nil)
    }

    func render(_ id: String, context: Context, notice: String?, pauseError: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let caller = context.caller!
        var data = try await store.readAsync { db in
            try ClientPageData.build(try ClientScope.client(id, for: caller, db), db)
        }
        data.upcoming = try await UpcomingMessages(store: store).moments(clientIds: [id])
        data.pauseError = pauseError
        let chrome = Chrome(title: data.name, heading: "\(data.name) (\(data.id))", context: context, section: "/clientes", notice: notice)
        return views.html("client", chrome: chrome, content: data, status: status)
    }
}
