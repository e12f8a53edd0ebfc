import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Hummingbird

/// The Mensajes page's filters, from the query string, and the SQL they make.
struct MessageFilters: Sendable {
    static let pageSize = 25

    var client = ""
    var stage = ""
    var channel = ""
    var status = ""
    var from = ""
    var to = ""
    var page = 1
    var fromError = false
    var toError = false

    init(_ query: Parameters) {
        // Bounded: a filter is an id, a stage, a word or a date, never a page of text.
        func get(_ name: Substring) -> String { query[name].map { String($0.prefix(200)).trimmingCharacters(in: .whitespaces) } ?? "" }
        client = get("cliente")
        stage = get("etapa")
        channel = get("canal")
        status = get("estado")
        from = get("desde")
        to = get("hasta")
        page = Self.page(get("pagina"))
        fromError = !from.isEmpty && CalendarDate(iso: from) == nil
        toError = !to.isEmpty && CalendarDate(iso: to) == nil
    }

    /// Pages past this are refused as page 1 would be: the offset stays far from overflow.
    static let lastPage = 100_000

    /// `pagina` as a page number: 1 when absent, not a number, or out of 1…`lastPage`.
    static func page(_ text: String) -> Int {
        guard text.utf8.count <= 6, let n = Int(text), (1...lastPage).contains(n) else { return 1 }
        return n
    }

    /// The filters given, by their query names.
    var given: [(String, String)] {
        [("cliente", client), ("etapa", stage), ("canal", channel), ("estado", status), ("desde", from), ("hasta", to)]
            .filter { !$0.1.isEmpty }
    }

    /// The same as a dictionary (what an unmasked export records).
    var named: [String: String] { Dictionary(given, uniquingKeysWith: { a, _ in a }) }

    /// The query string for another page with the same filters (no page: just the filters).
    func query(page: Int?) -> String {
        let pairs = given + (page.map { [("pagina", String($0))] } ?? [])
        return pairs.isEmpty ? "" : "?" + pairs.map { "\($0.0)=\(TemplateSelection.encode($0.1))" }.joined(separator: "&")
    }

    /// Rows matching the filters among `clientIds` (nil: every client), newest first, one page.
    /// A page past the last one shows the last one (and says so in `page`).
    func fetch(_ db: Database, clientIds: [String]?, zone: TimeZone) throws -> (total: Int, page: Int, pages: Int, rows: [NotificationRecord]) {
        let request = query(clientIds: clientIds, zone: zone)
        let total = try request.fetchCount(db)
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        let shown = min(page, pages)
        let rows = try request.order(Column("created_at").desc, Column("id").desc)
            .limit(Self.pageSize, offset: (shown - 1) * Self.pageSize).fetchAll(db)
        return (total, shown, pages, rows)
    }

    /// The rows matching the filters, newest first, for an export (at most `limit`).
    func fetchAll(_ db: Database, clientIds: [String]?, zone: TimeZone, limit: Int) throws -> [NotificationRecord] {
        try query(clientIds: clientIds, zone: zone).order(Column("created_at").desc, Column("id").desc).limit(limit).fetchAll(db)
    }

    func query(clientIds: [String]?, zone: TimeZone) -> QueryInterfaceRequest<NotificationRecord> {
        var request = NotificationRecord.all()
        if let clientIds { request = request.filter(clientIds.contains(Column("client_id"))) }
        if !client.isEmpty { request = request.filter(Column("client_id") == client) }
        if stage == TemplateStage.weekly.rawValue {
            request = request.filter(Column("stage").like("WEEKLY\\_%", escape: "\\"))
        } else if !stage.isEmpty {
            request = request.filter(Column("stage") == stage)
        }
        if !channel.isEmpty { request = request.filter(Column("channel") == channel) }
        if !status.isEmpty { request = request.filter(Column("status") == status) }
        if let day = CalendarDate(iso: from), let start = Self.startOfDay(day, zone, plusDays: 0) {
            request = request.filter(Column("created_at") >= Timestamps.utc(start))
        }
        if let day = CalendarDate(iso: to), let end = Self.startOfDay(day, zone, plusDays: 1) {
            request = request.filter(Column("created_at") < Timestamps.utc(end))
        }
        return request
    }

    /// Midnight (local) of `day` + `plusDays`, as an instant.
    static func startOfDay(_ day: CalendarDate, _ zone: TimeZone, plusDays: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) else { return nil }
        return calendar.date(byAdding: .day, value: plusDays, to: start)
    }
}

/// Which clients a caller's Mensajes page covers: all for an admin, their own for an asesor
/// (the same rule as the server's `ClientScope`).
enum MessageScope {
    static func clients(for caller: Caller, _ db: Database) throws -> (all: Bool, clients: [ClientRecord]) {
        let every = try ClientRecord.order(Column("id")).fetchAll(db)
        switch caller.role {
        case .admin?: return (true, every)
        case .asesor?: return (false, every.filter { ClientScope.sameName($0.advisor, caller.name) })
        default: return (false, every.filter { $0.id == caller.clientId })
        }
    }
}
