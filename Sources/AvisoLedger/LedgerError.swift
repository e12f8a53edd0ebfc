/// Errors of the ledger that name the position they are about.
public enum LedgerError: Error, CustomStringConvertible, Sendable, Equatable {
    case corruptRecord(position: UInt64, reason: String)
    case chainBroken(position: UInt64, reason: String)
    case gap(expected: UInt64, found: UInt64)
    case writerStopped
    case encoding(type: String, reason: String)
    case notFound(directory: String)
    /// Refused on open (`Ledger.refuseDamagedEnd`): never used silently.
    case damaged(directory: String, reason: String)
    /// An operation this backend has no meaning for (e.g. LMDB's map on PostgreSQL).
    case unsupported(String)
    /// The backend's server refused or failed (PostgreSQL), with what it said; never a password.
    case backend(String)

    public var description: String {
        switch self {
        case let .corruptRecord(position, reason): "ledger record \(position) is corrupt: \(reason)"
        case let .chainBroken(position, reason): "hash chain broken at position \(position): \(reason)"
        case let .gap(expected, found): "ledger gap: expected position \(expected), found \(found)"
        case .writerStopped: "the ledger writer has stopped"
        case let .encoding(type, reason): "cannot encode \(type) event: \(reason)"
        case let .notFound(directory): "there is no ledger in \(directory)"
        case let .damaged(directory, reason) where PostgresLedgerURL.looksLikePostgres(directory):
            "the ledger in \(directory) is damaged, so it is not used: \(reason). Restore the database from PostgreSQL's own backup (pg_basebackup) or promote a replica"
        case let .damaged(directory, reason):
            "the ledger in \(directory) is damaged, so it is not used: \(reason). Restore the data directory from a backup (`aviso backup`)"
        case let .unsupported(reason): reason
        case let .backend(reason): reason
        }
    }
}
