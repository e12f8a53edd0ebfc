import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Hummingbird

/// `/mensajes`: the notifications log with filters, paging and a 30-day chart, and
/// `/mensajes/{id}`: one message's timeline. An asesor sees only their own clients.
struct MessagesController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let views: ConsoleViews

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: list)
        routes.get("exportar", use: export)
        routes.post("exportar", use: exportUnmasked)
        routes.get("{id}", use: detail)
        return routes
    }

    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct ClientOption: Sendable {
        var id: String
        var name: String
        var selected: Bool
    }

    struct RowView: Sendable {
        var when: String
        /// `lun 5 ene, 14:05`: short in tables; `whenLong` on hover.
        var whenShort: String
        var client: String
        var clientHref: String
        var stage: String
        var channel: String
        var status: String
        var statusClass: String
        var flags: String?
        var to: String
        var detail: String
        var href: String
    }

    struct ListData: Sendable {
        var chart: DeliveryChart
        var clients: [ClientOption]
        var stages: [Option]
        var channels: [Option]
        var statuses: [Option]
        var from: String
        var to: String
        var fromError: Bool
        var toError: Bool
        var filterError: String?
        var rows: [RowView]
        var summary: String
        var page: Int
        var pages: Int
        var previousHref: String?
        var nextHref: String?
        /// Stages whose WhatsApp template Meta would refuse: said before the next run sends.
        var whatsappWarnings: [String] = []
        var hasWhatsappWarnings = false
        var exportHref: String
    }

    struct DetailData: Sendable {
        var client: String
        var clientHref: String
        var stage: String
        var channel: String
        var status: String
        var statusClass: String
        var flags: String?
        var to: String
        var reason: String?
        var text: String?
        var timeline: [MessageTimeline.Entry]
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let caller = context.caller!
        let filters = MessageFilters(request.uri.queryParameters)
        let data = try await store.readAsync { db in
            let zone = try MessagingSettings.current(db).zone
            let scope = try MessageScope.clients(for: caller, db)
            let ids = scope.all ? nil : scope.clients.map(\.id)
            let names = Dictionary(scope.clients.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            let (total, page, pages, rows) = try filters.fetch(db, clientIds: ids, zone: zone)
            let warnings = try MetaTemplatePanel.warnings(db)
            return ListData(
                chart: DeliveryChart(try DeliveryChart.count(db, clientIds: ids, zone: zone)),
                clients: scope.clients.map { ClientOption(id: $0.id, name: $0.name, selected: $0.id == filters.client) },
                stages: TemplateStage.allCases.map { Option(value: $0.rawValue, label: MessageVocabulary.stage($0.rawValue),
                                                            selected: $0.rawValue == filters.stage) },
                channels: Channel.allCases.map { Option(value: $0.rawValue, label: MessageVocabulary.channel($0.rawValue),
                                                        selected: $0.rawValue == filters.channel) },
                statuses: MessageVocabulary.statuses.map { Option(value: $0.value, label: $0.label, selected: $0.value == filters.status) },
                from: filters.from, to: filters.to, fromError: filters.fromError, toError: filters.toError,
                filterError: filters.fromError || filters.toError ? "Escriba las fechas como AAAA-MM-DD." : nil,
                rows: rows.map { Self.row($0, names: names, zone: zone) },
                summary: total == 1 ? "1 mensaje" : "\(total) mensajes",
                page: page, pages: pages,
                previousHref: page > 1 ? "/mensajes" + filters.query(page: page - 1) : nil,
                nextHref: page < pages ? "/mensajes" + filters.query(page: page + 1) : nil,
                whatsappWarnings: warnings, hasWhatsappWarnings: !warnings.isEmpty,
                exportHref: "/mensajes/exportar" + filters.query(page: nil))
        }
        let chrome = Chrome(title: "Mensajes", context: context, section: "/mensajes")
        return views.html("messages", chrome: chrome, content: data)
    }

    /// The log with the page's filters as a CSV download, numbers masked; an asesor gets
    /// their own clients' messages only.
    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        try await csv(request, context: context, unmasked: false)
    }

    /// Admins: the same with full numbers, asked for with a POST (CSRF-checked, so no link or
    /// image can trigger it) and recorded as `UnmaskedLogExported` before anything is sent.
    @Sendable func exportUnmasked(_ request: Request, context: Context) async throws -> Response {
        try await csv(request, context: context, unmasked: true)
    }

    private func csv(_ request: Request, context: Context, unmasked: Bool) async throws -> Response {
        let caller = context.caller!
        let filters = MessageFilters(request.uri.queryParameters)
        let (text, count) = try await store.readAsync { db in
            let zone = try MessagingSettings.current(db).zone
            let scope = try MessageScope.clients(for: caller, db)
            let rows = try filters.fetchAll(db, clientIds: scope.all ? nil : scope.clients.map(\.id), zone: zone,
                                            limit: MessageLogCSV.maximumRows)
            return (MessageLogCSV.text(rows, names: Dictionary(scope.clients.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }),
                                       zone: zone, unmasked: unmasked), rows.count)
        }
        if unmasked {
            try await store.append(.unmaskedLogExported(UnmaskedLogExported(filters: filters.named, rows: count, via: "console")),
                                   actor: caller.actor)
        }
        context.logger.info(unmasked ? "message log exported with full numbers" : "message log exported",
                            metadata: ["actor": "\(caller.actor)"])
        var headers = ConsoleViews.securityHeaders
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(unmasked ? "mensajes-numeros-completos" : "mensajes").csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Sendable func detail(_ request: Request, context: Context) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.notFound("no such message") }
        let caller = context.caller!
        let (row, client, zone) = try await store.readAsync { db in
            guard let row = try NotificationRecord.fetchOne(db, key: id) else { throw APIError.notFound("no such message") }
            // Same rule as the API: an asesor asking for another asesor's client is refused.
            let client = try ClientScope.client(row.clientId, for: caller, db)
            return (row, client, try MessagingSettings.current(db).zone)
        }
        let timeline = try await MessageTimeline.build(row, store: store, zone: zone)
        let view = Self.row(row, names: [client.id: client.name], zone: zone)
        let data = DetailData(client: view.client, clientHref: view.clientHref, stage: view.stage, channel: view.channel, status: view.status,
                              statusClass: view.statusClass, flags: view.flags, to: view.to, reason: view.detail.isEmpty ? nil : view.detail,
                              text: row.text, timeline: timeline.entries)
        let chrome = Chrome(title: "Mensaje", heading: "Mensaje a \(client.name)", context: context, section: "/mensajes")
        return views.html("message", chrome: chrome, content: data)
    }

    static func row(_ r: NotificationRecord, names: [String: String], zone: TimeZone) -> RowView {
        var flags: [String] = []
        if r.dryRun { flags.append("simulación") }
        if r.test { flags.append("prueba") }
        if r.fallbackOf != nil { flags.append("respaldo por SMS") }
        let detail: String = switch r.status {
        case "skipped": MessageVocabulary.skipReason(r.errorCode ?? "")
        case "ignored_invalid_phone": [r.errorCode.map(MessageVocabulary.ignoreReason), r.detail].compactMap { $0 }.joined(separator: " · ")
        case "deferred": r.notBefore.map { "Sale a partir de " + ConsoleFormatting.dateTime(utc: $0, in: zone) } ?? ""
        default: MessageVocabulary.providerError(r.errorCode) ?? ""
        }
        return RowView(when: ConsoleFormatting.dateTime(utc: r.createdAt, in: zone),
                       whenShort: ConsoleFormatting.shortDateTime(utc: r.createdAt, in: zone),
                       client: names[r.clientId].map { "\($0) (\(r.clientId))" } ?? r.clientId, clientHref: "/clientes/\(r.clientId)",
                       stage: MessageVocabulary.stage(r.stage), channel: MessageVocabulary.channel(r.channel), status: MessageVocabulary.status(r.status),
                       statusClass: MessageVocabulary.statusClass(r.status), flags: flags.isEmpty ? nil : flags.joined(separator: ", "),
                       to: r.toE164.map(Masking.phone) ?? "—", detail: detail, href: "/mensajes/\(r.id ?? 0)")
    }
}
