import Foundation

/// Where a ledger lives: an LMDB folder (the embedded default) or a PostgreSQL database
/// shared by several nodes.
public enum LedgerLocation: Sendable, Equatable, CustomStringConvertible {
    case directory(URL)
    case postgres(PostgresLedgerURL)

    /// A folder path as it is, or a `postgres://` / `postgresql://` URL.
    public static func parse(_ text: String) throws -> LedgerLocation {
        if PostgresLedgerURL.looksLikePostgres(text) { return .postgres(try PostgresLedgerURL(parsing: text)) }
        return .directory(URL(fileURLWithPath: text))
    }

    /// The folder, or the URL with its password masked: safe for logs, errors and `/healthz`.
    public var description: String {
        switch self {
        case let .directory(url): url.path
        case let .postgres(url): url.description
        }
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }
}

/// A PostgreSQL ledger's address, parsed from `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`.
/// The password is kept only to connect: `description` masks it, and no error repeats it.
public struct PostgresLedgerURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public let host: String
    public let port: Int
    public let user: String
    public let database: String
    public let tls: TLSMode
    let password: String?

    /// Thrown for a URL that cannot be used, naming what is wrong but never the password.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    static func looksLikePostgres(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    public init(parsing text: String) throws {
        let usage = "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        guard Self.looksLikePostgres(text), let components = URLComponents(string: text) else {
            throw Invalid(description: "not a PostgreSQL URL (\(usage))")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "the PostgreSQL URL names no host (\(usage))") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(description: "the PostgreSQL URL names no user (\(usage))") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(description: "the PostgreSQL URL names no database (\(usage))")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw Invalid(description: "the PostgreSQL URL has an unknown parameter \(item.name) (only sslmode is understood)")
            }
            switch item.value ?? "" {
            case "disable": tls = .disable
            case "allow", "prefer": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw Invalid(description: "sslmode must be disable, prefer or require")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password
        self.database = database
        self.tls = tls
    }

    /// The URL with `***` for the password.
    public var description: String {
        let secret = password == nil ? "" : ":***"
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)\(secret)@\(bracketed):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")
    }
}
