/// The group a request path belongs to, for latency histograms: a few coarse groups, so the
/// number of series stays fixed whatever paths clients try. Decided from the path prefix alone,
/// not from how the router's groups are built.
enum RouteGroup: String, CaseIterable, Sendable {
    case webhooks, api, console, health

    /// First match wins: more specific prefixes first. Anything else is a console page.
    static let table: [(prefix: String, group: RouteGroup)] = [
        ("/api/webhooks/", .webhooks),
        ("/api/", .api),
        ("/login", .api),
        ("/logout", .api),
        ("/healthz", .health),
        ("/metrics", .health),
        ("/checkpoint", .health),
    ]

    init(path: String) {
        self = Self.table.first { path == $0.prefix || path.hasPrefix($0.prefix) && Self.atBoundary(path, $0.prefix) }?.group ?? .console
    }

    /// `/healthz` matches `/healthz` and `/healthz/x`, not `/healthzz`; prefixes ending in `/` match what follows.
    private static func atBoundary(_ path: String, _ prefix: String) -> Bool {
        prefix.hasSuffix("/") || path.dropFirst(prefix.count).first == "/"
    }
}
