import AvisoLedger
import GRDB

/// A group of read models with a name, a version and its own checkpoint row, written in the
/// same transaction as its rows. A projection reads and writes only its own tables, so it
/// can be rebuilt alone: bumping `version` rebuilds it (and nothing else) aside on the next
/// open, and `aviso replay --projection NAME` does the same on demand.
public struct NamedProjection: Sendable {
    public let name: String
    /// Bump when the same events would now give different rows.
    public let version: Int
    /// Every table the projection writes (a rebuild replaces exactly these).
    let tables: [String]
    let makeApplier: @Sendable (Database) throws -> any ProjectionApplier

    /// In the order they are applied to each record.
    public static let all: [NamedProjection] = [ledgerIndex, portfolio, users, templates, messaging, sessions]

    public static func named(_ name: String) -> NamedProjection? {
        all.first { $0.name == name }
    }

    static let ledgerIndex = NamedProjection(
        name: "ledger_index", version: 1, tables: ["ledger_index", "ledger_index_backfill"],
        makeApplier: { db in LedgerIndexApplier(insert: try db.makeStatement(sql: LedgerIndex.insertSQL)) })
    static let portfolio = NamedProjection(
        name: "portfolio", version: 1, tables: ["clients", "installments"],
        makeApplier: { _ in PortfolioApplier() })
    static let users = NamedProjection(
        name: "users", version: 1, tables: ["users"], makeApplier: { _ in UsersApplier() })
    static let templates = NamedProjection(
        name: "templates", version: 1, tables: ["templates", "template_versions"],
        makeApplier: { _ in TemplatesApplier() })
    /// Messages, their statuses and everything the scheduler and webhooks decide on. One
    /// group because they read each other (the settings' time zone dates the daily counts).
    /// Version 2: `scheduled_messages.covers` is written with sorted keys (it was in the
    /// writing process's hash order), so files projected before are rebuilt once.
    static let messaging = NamedProjection(
        name: "messaging", version: 2,
        tables: ["settings", "settings_changes", "opt_outs", "stages_due", "notifications_log", "pending_statuses",
                 "daily_counts", "scheduled_messages", "message_items", "conversation_windows", "undecodable_records",
                 "seen_webhook_keys", "whatsapp_templates", "whatsapp_account", "whatsapp_pricing", "v3_backfill",
                 "client_pauses"],
        makeApplier: { db in try EventApplier(db) })
    /// Console sessions and the login throttle's counts (`SessionProjection`, `LoginThrottleProjection`).
    static let sessions = NamedProjection(
        name: "sessions", version: 1, tables: ["sessions", "login_failures", "login_addresses"],
        makeApplier: { _ in SessionsApplier() })
}

/// Applies ledger records to one projection's tables.
protocol ProjectionApplier {
    /// `decoded` is the record's event, or why this build cannot decode it.
    mutating func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws
}

/// The appliers of several projections, each told only the records past its own checkpoint.
struct ProjectionAppliers {
    private var appliers: [(projection: NamedProjection, after: UInt64, applier: any ProjectionApplier)]

    init(_ projections: [NamedProjection], after checkpoints: [UInt64], _ db: Database) throws {
        appliers = try zip(projections, checkpoints).map { ($0, $1, try $0.makeApplier(db)) }
    }

    mutating func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        for index in appliers.indices where appliers[index].after < record.position {
            try appliers[index].applier.apply(record, decoded: decoded, db)
        }
    }

    /// Moves every projection that applied something to `last`.
    func writeCheckpoints(through last: LedgerRecord, _ db: Database) throws {
        for entry in appliers where entry.after < last.position {
            try Checkpoint(position: last.position, hash: last.hash).write(entry.projection, db)
        }
    }
}

struct LedgerIndexApplier: ProjectionApplier {
    /// Prepared once per applier (a transaction's worth of records).
    let insert: Statement

    func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        try LedgerIndex.note(record, event: try? decoded.get(), into: insert)
    }
}
