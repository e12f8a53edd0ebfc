import AvisoProjections
import Foundation
import GRDB
import Synchronization

/// Counters for `/metrics`, in memory since start. Gauges (ledger position, projection lag,
/// messages by channel and status) are read from the stores when scraped.
public final class ServerMetrics: Sendable {
    struct RequestKey: Hashable { var method: String; var route: String; var status: Int }
    struct WebhookKey: Hashable { var provider: String; var status: String }

    private let requests = Mutex<[RequestKey: Int]>([:])
    private let webhookEvents = Mutex<[WebhookKey: Int]>([:])

    private let passwordChecks = Atomic<Int>(0)

    public init() {}

    /// One bcrypt comparison run for a login (the throttle bounds how many).
    func countPasswordCheck() {
        passwordChecks.add(1, ordering: .relaxed)
    }

    func countRequest(method: String, route: String, status: Int) {
        requests.withLock { $0[RequestKey(method: method, route: route, status: status), default: 0] += 1 }
    }

    func countWebhook(provider: String, statuses: [String]) {
        webhookEvents.withLock { table in
            for status in statuses { table[WebhookKey(provider: provider, status: status), default: 0] += 1 }
        }
    }

    /// Prometheus text exposition format 0.0.4.
    func render(store: AvisoStore) throws -> String {
        var out = ""
        out += "# HELP aviso_http_requests_total HTTP requests answered, by method, route and status.\n"
        out += "# TYPE aviso_http_requests_total counter\n"
        for (key, value) in requests.withLock({ $0 }).sorted(by: { "\($0.key)" < "\($1.key)" }) {
            out += "aviso_http_requests_total{method=\"\(key.method)\",route=\"\(Self.escape(key.route))\",status=\"\(key.status)\"} \(value)\n"
        }
        out += "# HELP aviso_webhook_events_total Webhook events received, by provider and status.\n"
        out += "# TYPE aviso_webhook_events_total counter\n"
        for (key, value) in webhookEvents.withLock({ $0 }).sorted(by: { "\($0.key)" < "\($1.key)" }) {
            out += "aviso_webhook_events_total{provider=\"\(key.provider)\",status=\"\(Self.escape(key.status))\"} \(value)\n"
        }
        out += "# HELP aviso_messages Messages in the notifications log, by channel and current status.\n"
        out += "# TYPE aviso_messages gauge\n"
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT coalesce(channel, 'none') AS channel, status, count(*) AS n FROM notifications_log GROUP BY 1, 2 ORDER BY 1, 2")
        }
        for row in rows {
            let channel: String = row["channel"], status: String = row["status"], n: Int = row["n"]
            out += "aviso_messages{channel=\"\(Self.escape(channel))\",status=\"\(Self.escape(status))\"} \(n)\n"
        }
        out += "# HELP aviso_login_password_checks_total Password hashes compared for logins (unknown logins included).\n"
        out += "# TYPE aviso_login_password_checks_total counter\n"
        out += "aviso_login_password_checks_total \(passwordChecks.load(ordering: .relaxed))\n"
        out += "# HELP aviso_log_lines_dropped_total Log lines that could not be written (closed output, full disk).\n"
        out += "# TYPE aviso_log_lines_dropped_total counter\n"
        out += "aviso_log_lines_dropped_total \(LogDrops.total)\n"
        out += "# HELP aviso_ledger_position Position of the last record in the ledger.\n"
        out += "# TYPE aviso_ledger_position gauge\n"
        out += "aviso_ledger_position \(try store.ledger.head().position)\n"
        out += "# HELP aviso_projection_lag_records Ledger records the read models have not applied yet.\n"
        out += "# TYPE aviso_projection_lag_records gauge\n"
        out += "aviso_projection_lag_records \(try store.projectionLag())\n"
        out += "# HELP aviso_ledger_undecodable_records Ledger records this build cannot decode, left out of the read models.\n"
        out += "# TYPE aviso_ledger_undecodable_records gauge\n"
        out += "aviso_ledger_undecodable_records \(try store.undecodableRecords(limit: 0).count)\n"
        return out
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
