import Logging
import PostgresNIO

/// The ledger's tables in PostgreSQL, created on first open (by whichever node comes first,
/// under an advisory lock so nodes starting together don't race).
///
/// - `aviso_ledger_events(position, record)`: `record` is the very value LMDB stores
///   (`RecordCodec` body ‖ chain hash), so `verify` and `aviso ledger copy` work unchanged.
/// - `aviso_ledger_head`: one row, the head (position, hash). Every append transaction locks
///   it first (`SELECT … FOR UPDATE`) and updates it before committing: that serialises the
///   writers of every node, so positions are allocated and committed in the same order with
///   no gaps, and it is the lock deciding appends hold while they decide. A sequence could
///   not do this: a rolled-back transaction burns its numbers (a gap forever), and two
///   transactions may commit in the other order than they drew numbers, so a reader could
///   see position 12 before 11 exists and skip 11 for good.
/// - Triggers refuse UPDATE, DELETE and TRUNCATE of records (and DELETE/TRUNCATE of the head):
///   the log is append-only for every client of the database, not only for Aviso.
enum PostgresLedgerSchema {
    /// Any constant shared by every Aviso node: the advisory lock taken while creating tables.
    static let creationLock: Int64 = 0x4156_4953_4F4C_4447  // "AVISOLDG"

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS aviso_ledger_events (
            position bigint PRIMARY KEY CHECK (position > 0),
            record bytea NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS aviso_ledger_head (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            position bigint NOT NULL CHECK (position >= 0),
            hash bytea NOT NULL)
        """,
        "INSERT INTO aviso_ledger_head (one, position, hash) VALUES (true, 0, '\\x\(String(repeating: "00", count: 32))'::bytea) ON CONFLICT DO NOTHING",
        """
        CREATE OR REPLACE FUNCTION aviso_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the Aviso ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
        END $$
        """,
        """
        CREATE OR REPLACE TRIGGER aviso_ledger_events_append_only BEFORE UPDATE OR DELETE ON aviso_ledger_events
            FOR EACH ROW EXECUTE FUNCTION aviso_ledger_refuse_change()
        """,
        """
        CREATE OR REPLACE TRIGGER aviso_ledger_events_no_truncate BEFORE TRUNCATE ON aviso_ledger_events
            FOR EACH STATEMENT EXECUTE FUNCTION aviso_ledger_refuse_change()
        """,
        """
        CREATE OR REPLACE TRIGGER aviso_ledger_head_kept BEFORE DELETE ON aviso_ledger_head
            FOR EACH ROW EXECUTE FUNCTION aviso_ledger_refuse_change()
        """,
        """
        CREATE OR REPLACE TRIGGER aviso_ledger_head_no_truncate BEFORE TRUNCATE ON aviso_ledger_head
            FOR EACH STATEMENT EXECUTE FUNCTION aviso_ledger_refuse_change()
        """,
    ]

    /// The triggers `statements` create; every one enabled means the schema is complete.
    static let triggers = ["aviso_ledger_events_append_only", "aviso_ledger_events_no_truncate",
                           "aviso_ledger_head_kept", "aviso_ledger_head_no_truncate"]

    /// Whether the tables and their triggers are there already, so that opening needs no DDL.
    /// It must not run when they are: `CREATE OR REPLACE TRIGGER` takes a SHARE ROW EXCLUSIVE
    /// lock on the table, which waits for every append in flight, so a node starting (or an
    /// `aviso verify`) would hang behind another node's open append transaction.
    static let isPresentQuery = """
        SELECT count(*) = \(triggers.count) FROM pg_trigger
        WHERE tgname IN (\(triggers.map { "'\($0)'" }.joined(separator: ", "))) AND tgenabled = 'O'
        """

    /// The channel every append transaction notifies with the new head, for followers.
    static let channel = "aviso_ledger"

    static func create(_ run: (PostgresQuery) throws -> Void) throws {
        try run("BEGIN")
        do {
            try run("SELECT pg_advisory_xact_lock(\(creationLock))")
            for statement in statements { try run(PostgresQuery(unsafeSQL: statement)) }
            try run("COMMIT")
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }
}
