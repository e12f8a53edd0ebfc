@testable import AvisoLedger
@testable import AvisoProjections
import AvisoTestSupport
import Foundation
import GRDB
import Testing

/// KurrentDB's rule (issue 17): a store whose end is damaged, or whose read models claim more
/// than the log holds, is refused on open with what was found, by the library and by every
/// command; `aviso verify` names the damage. Nothing is used silently.
@Suite(.serialized) struct RefuseDamageTests {
    enum Damage: String, CaseIterable, Sendable {
        /// The head entry names records the log does not have (the last ones removed).
        case headAheadOfRecords
        /// The last record cut short (a torn write).
        case lastRecordTruncated
        /// The read models' checkpoint names a position the ledger lacks.
        case readModelsAhead

        /// What the refusal must say.
        var named: String {
            switch self {
            case .headAheadOfRecords: "its head entry says the log ends at record 7, but the last record is 5: records were removed"
            case .lastRecordTruncated: "its last record (5)"
            case .readModelsAhead: "ends at record 5: the read models are ahead of the log"
            }
        }
    }

    /// A data directory of 5 records with `damage` done to it, as a crash or a careless restore
    /// would (how, depends on the backend's storage).
    static func damaged(_ damage: Damage, backend: LedgerBackendUnderTest) async throws -> DataDirectory {
        let directory = try backend.makeDirectory()
        let store = try AvisoStore(directory: directory)
        try await store.append((1...5).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
        switch (backend, damage) {
        case (.lmdb, .headAheadOfRecords):
            try store.ledger.environment.write { txn in
                try txn.storeHead(LedgerHead(position: 7, hash: Data(repeating: 7, count: 32)))
            }
        case (.lmdb, .lastRecordTruncated):
            try store.ledger.environment.write { txn in
                let value = try txn.get(txn.environment.events, key: RecordCodec.key(5))!
                try txn.put(txn.environment.events, key: RecordCodec.key(5), value: Array(value.prefix(value.count - 45)), append: false)
            }
        case (.postgres, .headAheadOfRecords):
            // The head row has no trigger against UPDATE (the writer updates it): any client can.
            try PostgresTestServer.psql(try Self.url(directory), "UPDATE aviso_ledger_head SET position = 7, hash = '\\x\(String(repeating: "07", count: 32))'::bytea")
        case (.postgres, .lastRecordTruncated):
            // The triggers refuse this UPDATE; a superuser (a DBA) can disable them first.
            try PostgresTestServer.psql(try Self.url(directory), """
                ALTER TABLE aviso_ledger_events DISABLE TRIGGER ALL;
                UPDATE aviso_ledger_events SET record = substring(record FROM 1 FOR length(record) - 45) WHERE position = 5;
                ALTER TABLE aviso_ledger_events ENABLE TRIGGER ALL;
                """)
        case (_, .readModelsAhead):
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE projection_checkpoint SET position = 9")
            }
        }
        store.close()
        return directory
    }

    /// The PostgreSQL URL of `directory`'s ledger, for psql as the cluster's superuser.
    static func url(_ directory: DataDirectory) throws -> String {
        try #require(directory.sharedLedger).description
    }

    @Test(arguments: LedgerBackendUnderTest.allCases, Damage.allCases)
    func aDamagedStoreIsRefusedOnOpenAndVerifyNamesTheDamage(backend: LedgerBackendUnderTest, damage: Damage) async throws {
        let directory = try await Self.damaged(damage, backend: backend)
        defer { try? FileManager.default.removeItem(at: directory.url) }

        // The library refuses it, for writing and for reading.
        do {
            _ = try AvisoStore(directory: directory)
            Issue.record("\(damage): the store opened")
        } catch {
            #expect("\(error)".contains(damage.named), "\(error)")
        }
        do {
            _ = try ReadOnlyStore(directory: directory)
            Issue.record("\(damage): the read-only store opened")
        } catch {
            #expect("\(error)".contains(damage.named), "\(error)")
        }
        // Every command: verify names the damage; the others refuse it the same way.
        let data = directory.url.path
        for arguments in [["verify", "--data", data], ["log", "--data", data], ["run", "--data", data, "--dry-run"]] {
            let result = try RunningChild.aviso(arguments, environment: backend.environment(directory)).finish()
            #expect(result.status > 0 && result.stderr.contains(damage.named), "\(arguments[0]): \(result.status) \(result.stderr)")
            if damage == .lastRecordTruncated { #expect(result.stderr.contains("cut short"), "\(result.stderr)") }
        }
    }

    /// The way out the refusal names for read models ahead of the log: `aviso replay` rebuilds
    /// them from the ledger, and then everything opens and verifies.
    @Test(arguments: LedgerBackendUnderTest.allCases)
    func readModelsAheadOfTheLogAreRebuiltByReplay(backend: LedgerBackendUnderTest) async throws {
        let directory = try await Self.damaged(.readModelsAhead, backend: backend)
        defer { try? FileManager.default.removeItem(at: directory.url) }
        let replay = try RunningChild.aviso(["replay", "--data", directory.url.path], environment: backend.environment(directory)).finish()
        #expect(replay.status == 0, "\(replay.stderr)")
        let verify = try RunningChild.aviso(["verify", "--data", directory.url.path], environment: backend.environment(directory)).finish()
        #expect(verify.status == 0 && verify.stdout.contains("ok: 5 events"), "\(verify.stderr)")
    }
}
