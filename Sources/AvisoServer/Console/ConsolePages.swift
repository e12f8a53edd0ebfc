/// The console's pages, from the access table: the only places a "go back to" or "after
/// signing in, go to" link may point.
enum ConsolePages {
    /// GET routes of the console (not the API, webhooks, health or static files).
    static let paths: [[Substring]] = AccessPolicy.table.keys
        .filter { $0.hasPrefix("GET /") }
        .map { String($0.dropFirst(4)) }
        .filter { path in !["/api/", "/healthz", "/metrics", "/consola/"].contains { path.hasPrefix($0) } }
        .map { $0.split(separator: "/", omittingEmptySubsequences: false) }

    /// `value` when it is a console page with an optional plain query string, else nil.
    /// The path is compared segment by segment (`{id}` matches digits); nothing is decoded,
    /// so no encoding can turn it into another host.
    static func localTarget(_ value: String) -> String? {
        guard value.utf8.count <= 512, value.hasPrefix("/") else { return nil }
        let parts = value.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let segments = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard paths.contains(where: { matches(segments, $0) }) else { return nil }
        if parts.count == 2, !parts[1].utf8.allSatisfy(isQueryByte) { return nil }
        return value
    }

    static func matches(_ segments: [Substring], _ pattern: [Substring]) -> Bool {
        guard segments.count == pattern.count else { return false }
        return zip(segments, pattern).allSatisfy { segment, expected in
            expected == "{id}" ? (1...19).contains(segment.count) && segment.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } : segment == expected
        }
    }

    /// Letters, digits, `-._~=&+%`: a query string as the console writes one.
    static func isQueryByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "-._~=&+%".utf8.contains(c)
    }
}
