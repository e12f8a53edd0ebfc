import AvisoLedger
import Foundation
import GRDB

/// Rebuilds one named projection from the whole ledger into a file beside the live one, then
/// replaces that projection's tables (and its checkpoint row) in one transaction. Readers
/// keep seeing the old rows until the commit, so other processes may stay open meanwhile;
/// the other projections are not touched.
public enum ProjectionRebuild {
    /// Rebuilds every projection whose rows were written by another version of its code.
    /// Returns the names rebuilt.
    @discardableResult
    static func rebuildOutdated(_ ledger: Ledger, into live: DatabasePool, directory: DataDirectory) throws -> [String] {
        let versions = try live.read { try Checkpoint.versions($0) }
        let outdated = NamedProjection.all.filter { projection in versions[projection.name].map { $0 != projection.version } ?? false }
        for projection in outdated { try rebuild(projection, ledger: ledger, into: live, directory: directory, always: false) }
        return outdated.map(\.name)
    }

    /// `always` false: skipped if, by the time it is swapped in, another process has already
    /// rebuilt this version.
    @discardableResult
    static func rebuild(_ projection: NamedProjection, ledger: Ledger, into live: DatabasePool, directory: DataDirectory,
                        always: Bool, progress: ((Int) -> Void)? = nil) throws -> ReplayReport {
        let aside = directory.url.appendingPathComponent("aviso.sqlite.\(projection.name)-\(getpid()).rebuild")
        defer { Replay.removeDatabaseFiles(aside) }
        let report = try Replay.build(from: ledger, into: aside, projections: [projection], decode: { try $0.decodeEvent() },
                                      progress: progress)
        try live.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS aside", arguments: [aside.path])
            defer { try? db.execute(sql: "DETACH DATABASE aside") }
            try db.inTransaction(.immediate) {
                let current = try Checkpoint.versions(db)[projection.name]
                guard always || current != projection.version else { return .commit }
                for table in projection.tables { try copy(table, db) }
                try db.execute(sql: """
                    INSERT OR REPLACE INTO main.projection_checkpoint (name, position, hash, version)
                    SELECT name, position, hash, version FROM aside.projection_checkpoint WHERE name = ?
                    """, arguments: [projection.name])
                return .commit
            }
        }
        return report
    }

    /// Replaces the live table's rows with the aside file's, column by column by name.
    private static func copy(_ table: String, _ db: Database) throws {
        let columns = try db.columns(in: table, in: "aside").map { "\"\($0.name)\"" }.joined(separator: ", ")
        try db.execute(sql: "DELETE FROM main.\"\(table)\"")
        try db.execute(sql: "INSERT INTO main.\"\(table)\" (\(columns)) SELECT \(columns) FROM aside.\"\(table)\"")
    }

    /// Each projection gets its own checkpoint row (and version), starting where the single
    /// `read_models` checkpoint was. The names are the projections that existed at this
    /// migration: later ones start without a row, that is, from the ledger's first record.
    static func migrateV6NamedProjections(_ db: Database) throws {
        try db.alter(table: "projection_checkpoint") { t in t.add(column: "version", .integer).notNull().defaults(to: 1) }
        try db.execute(sql: """
            INSERT INTO projection_checkpoint (name, position, hash, version)
              SELECT n.column1, c.position, c.hash, 1 FROM projection_checkpoint c,
                (VALUES ('ledger_index'), ('portfolio'), ('users'), ('templates'), ('messaging'), ('sessions')) n
              WHERE c.name = 'read_models';
            DELETE FROM projection_checkpoint WHERE name = 'read_models';
            """)
    }
}
