import AvisoProjections
import Foundation
import GRDB
import Metrics
import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory
import Synchronization

/// What `/metrics` shows, through swift-metrics with a Prometheus registry of its own.
///
/// Each server (each `ServerParts`) has its own registry and factory, handed to every metric it
/// makes: nothing goes through `MetricsSystem.bootstrap`, which may run once per process and would
/// make the apps a test process builds share (or crash on) one global registry.
/// Counters and latencies count from start; gauges (ledger head, projection lag, messages, sends,
/// undecodable records) are read from the stores when scraped.
public final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let passwordChecks: Counter
    private let droppedLogLines: Counter
    /// `LogDrops.total` (process-wide) when this server last passed it to its counter.
    private let droppedSeen = Mutex<Int>(0)
    /// Label sets a store-read gauge has shown, so one that no longer has rows drops to 0.
    private let gaugeSeen = Mutex<[String: Set<[String]>]>([:])

    static let latencyMetric = "aviso_http_request_duration_seconds"
    /// Made on a group's first request, so a group nobody called shows no series.
    private let latencies = Mutex<[RouteGroup: Metrics.Timer]>([:])
    /// Counters made so far, by label and dimensions: the registry's own lookup (a lock, the
    /// labels hashed and compared) ran several times per webhook request.
    private let counters = Mutex<[[String]: Counter]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.latencyMetric] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10),
        ]
        self.factory = factory
        passwordChecks = Counter(label: "aviso_login_password_checks_total", factory: factory)
        droppedLogLines = Counter(label: "aviso_log_lines_dropped_total", factory: factory)
    }

    /// One bcrypt comparison run for a login (the throttle bounds how many).
    func countPasswordCheck() {
        passwordChecks.increment()
    }

    func countRequest(method: String, route: String, status: Int) {
        counter("aviso_http_requests_total", [("method", method), ("route", route), ("status", "\(status)")]).increment()
    }

    /// A request's time in the server, by route group (`RouteGroup`).
    func recordLatency(group: RouteGroup, _ duration: Duration) {
        let timer = latencies.withLock { made in
            if let timer = made[group] { return timer }
            let timer = Metrics.Timer(label: Self.latencyMetric, dimensions: [("group", group.rawValue)], factory: factory)
            made[group] = timer
            return timer
        }
        timer.record(duration: duration)
    }

    /// The counter with this label and dimensions, made once.
    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = [label] + dimensions.flatMap { [$0.0, $0.1] }
        return counters.withLock { made in
            if let counter = made[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            made[key] = counter
            return counter
        }
    }

    /// Provider status words from one webhook, duplicates included.
    func countWebhook(provider: String, statuses: [String]) {
        for status in statuses {
            counter("aviso_webhook_events_total", [("provider", provider), ("status", status)]).increment()
        }
    }

    /// Prometheus text exposition format 0.0.4, after reading the gauges from the stores.
    func render(store: AvisoStore) async throws -> String {
        try await recordStoreGauges(store: store)
        let total = LogDrops.total
        let new = droppedSeen.withLock { seen in defer { seen = max(seen, total) }; return max(0, total - seen) }
        if new > 0 { droppedLogLines.increment(by: new) }
        return registry.emitToString()
    }

    private func recordStoreGauges(store: AvisoStore) async throws {
        let (messages, sends) = try await store.readAsync { db in
            (try Self.counts(db, sql: """
                SELECT coalesce(channel, 'none') AS a, status AS b, count(*) AS n FROM notifications_log GROUP BY 1, 2
                """),
             // Sends through a provider (simulated ones apart), by the result the provider last gave.
             try Self.counts(db, sql: """
                SELECT provider AS a, status AS b, count(*) AS n FROM notifications_log
                WHERE provider IS NOT NULL AND NOT dry_run GROUP BY 1, 2
                """))
        }
        recordGauge("aviso_messages", labels: ["channel", "status"], rows: messages)
        recordGauge("aviso_sends", labels: ["provider", "result"], rows: sends)
        Gauge(label: "aviso_ledger_position", factory: factory).record(try store.ledger.head().position)
        Gauge(label: "aviso_projection_lag_records", factory: factory).record(try await store.projectionLag())
        Gauge(label: "aviso_ledger_undecodable_records", factory: factory).record(try await store.undecodableRecords(limit: 0).count)
    }

    /// Rows of (a, b, n) read as Sendable values (GRDB rows stay inside the read).
    private static func counts(_ db: Database, sql: String) throws -> [(labels: [String], n: Int)] {
        try Row.fetchAll(db, sql: sql).map { ([$0["a"] as String, $0["b"] as String], $0["n"] as Int) }
    }

    /// Counts by label values as a gauge labelled `labels`; label sets seen before and absent now read 0.
    private func recordGauge(_ name: String, labels: [String], rows: [(labels: [String], n: Int)]) {
        var now: [[String]: Int] = [:]
        for row in rows { now[row.labels, default: 0] += row.n }
        let absent = gaugeSeen.withLock { seen in
            defer { seen[name, default: []].formUnion(now.keys) }
            return seen[name, default: []].subtracting(now.keys)
        }
        for values in absent { now[values] = 0 }
        for (values, n) in now {
            Gauge(label: name, dimensions: Array(zip(labels, values)), factory: factory).record(n)
        }
    }
}
