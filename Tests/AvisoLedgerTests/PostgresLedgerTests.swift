@testable import AvisoLedger
import AvisoTestSupport
import Foundation
import Synchronization
import Testing

/// What only the PostgreSQL backend has to prove: several nodes (here, several `Ledger`s on
/// one database) append to one gap-free chain, decide under one lock, and nobody can rewrite
/// the log through the database.
@Suite struct PostgresLedgerTests {
    private func twoNodes() throws -> (Ledger, Ledger, String) {
        let url = try PostgresTestServer.freshDatabaseURL()
        return (try Ledger(location: .parse(url)), try Ledger(location: .parse(url)), url)
    }

    /// Issue 17: UPDATE, DELETE and TRUNCATE of records are refused by the database itself,
    /// for any client (here psql as the superuser), and the chain is untouched afterwards.
    @Test func triggersRefuseUpdateDeleteAndTruncate() async throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        let ledger = try Ledger(location: .parse(url))
        try await ledger.append((1...3).map { NewEvent(sampleClient($0), actor: "import") })
        for sql in ["UPDATE aviso_ledger_events SET record = record || '\\x00'::bytea WHERE position = 2",
                    "DELETE FROM aviso_ledger_events WHERE position = 3",
                    "TRUNCATE aviso_ledger_events",
                    "DELETE FROM aviso_ledger_head"] {
            #expect(throws: PostgresTestServer.Failure.self, "\(sql)") { try PostgresTestServer.psql(url, sql) }
        }
        let error = #expect(throws: PostgresTestServer.Failure.self) {
            try PostgresTestServer.psql(url, "DELETE FROM aviso_ledger_events")
        }
        #expect(error?.description.contains("append-only") == true)
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM aviso_ledger_events") == "3")
        #expect(try ledger.verifyChain().position == 3)
    }

    /// Two nodes appending at once: one chain, positions 1…N with no gap, each event once.
    @Test func twoNodesAppendToOneGapFreeChain() async throws {
        let (a, b, _) = try twoNodes()
        try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<8 {
                let node = task % 2 == 0 ? a : b
                group.addTask {
                    var positions: [UInt64] = []
                    for i in 0..<25 { positions += try await node.append([NewEvent(sampleClient(task * 1000 + i), actor: "t\(task)")]) }
                    return positions
                }
            }
            var all: [UInt64] = []
            for try await p in group { all += p }
            #expect(all.sorted() == Array(1...200))
        }
        #expect(try a.verifyChain() == (try b.verifyChain()))
        #expect(try a.records(after: 0, limit: 1000).map(\.hash) == (try b.records(after: 0, limit: 1000).map(\.hash)))
    }

    /// Deciding appends on two nodes hold the one head-row lock: "append K unless it is there"
    /// raced from both nodes appends every key exactly once.
    @Test func decidingAppendsOnTwoNodesShareOneLock() async throws {
        let (a, b, _) = try twoNodes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<120 {
                let node = i % 2 == 0 ? a : b
                group.addTask {
                    try await node.appendDeciding(grouped: i % 3 == 0) { context in
                        let key = "C\(i % 30)"
                        let committed = try context.records(after: 0, limit: 1_000).compactMap { try? $0.decodeEvent().clientId }
                        guard !committed.contains(key), !context.batch.keys.contains(key) else { return [] }
                        context.batch.keys.insert(key)
                        return [NewEvent(sampleClient(i % 30), actor: "test")]
                    }
                }
            }
            try await group.waitForAll()
        }
        let ids = try a.records(after: 0, limit: 1_000).compactMap { try $0.decodeEvent().clientId }
        #expect(ids.count == 30 && Set(ids).count == 30)
        #expect(try b.verifyChain().position == 30)
    }

    /// The same bytes as LMDB: a tampered record is found at its position by the same `verify`
    /// (the triggers are switched off by the superuser first, as an attacker with that power would).
    @Test func verifyFindsATamperedRecordAtItsPosition() async throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        let ledger = try Ledger(location: .parse(url))
        try await ledger.append((1...5).map { NewEvent(sampleClient($0), actor: "import") })
        try PostgresTestServer.psql(url, """
            ALTER TABLE aviso_ledger_events DISABLE TRIGGER USER;
            UPDATE aviso_ledger_events SET record = set_byte(record, 20, get_byte(record, 20) # 1) WHERE position = 4
            """)
        #expect(throws: LedgerError.self) { try ledger.verifyChain() }
        do {
            try ledger.verifyChain()
        } catch let LedgerError.chainBroken(position, _) {
            #expect(position == 4)
        }
    }

    /// The URL's password is masked wherever the location is shown, and an error (here: nothing
    /// listens on the port) names the server without it.
    @Test func thePasswordNeverAppearsInLocationOrErrors() throws {
        let url = try PostgresLedgerURL(parsing: "postgres://aviso:s3cr%40t-pw@127.0.0.1:1/aviso_ledger")
        #expect(url.password == "s3cr@t-pw")
        #expect(url.description == "postgres://aviso:***@127.0.0.1:1/aviso_ledger")
        #expect(LedgerLocation.postgres(url).description == url.description)
        let error = #expect(throws: LedgerError.self) { try Ledger(location: .postgres(url)) }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("postgres://aviso:***@127.0.0.1:1/aviso_ledger"))
        #expect(!text.contains("s3cr"))
    }

    @Test(arguments: ["postgres://", "postgres://127.0.0.1/db", "postgres://u@/db", "postgres://u@h:5432/",
                      "postgres://u@h/db?sslmode=sometimes", "postgres://u:pw@h/db?password=x"])
    func unusableURLsAreRefusedWithoutRepeatingThem(_ text: String) {
        let error = #expect(throws: PostgresLedgerURL.Invalid.self) { try PostgresLedgerURL(parsing: text) }
        #expect(error.map { !$0.description.contains("pw") } == true)
    }

    /// Reading a database that has no ledger (read-only open) is refused, and nothing is created.
    @Test func readingOnlyADatabaseWithoutALedgerIsRefused() throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        #expect(throws: LedgerError.self) { try Ledger(readingOnly: .parse(url)) }
        #expect(try PostgresTestServer.psql(url, "SELECT to_regclass('aviso_ledger_events') IS NULL") == "t")
    }

    /// LMDB-only operations say so on PostgreSQL instead of doing something else.
    @Test func lmdbOnlyOperationsAreRefusedClearly() throws {
        let ledger = try makeLedger(.postgres)
        #expect(ledger.mapSize == 0)
        #expect(throws: LedgerError.self) { try ledger.copyCompacted(to: makeTemporaryDirectory("copy")) }
    }
}
