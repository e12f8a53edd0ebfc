import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// The command line's side of the PostgreSQL ledger: choosing it, refusing a bad URL in one
/// sentence naming where it came from, never printing its password, and `aviso ledger copy`.
@Suite(.serialized) struct SharedLedgerCommandTests {
    private func aviso(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let (process, out, err) = try avisoProcess(arguments, environment: environment)
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output, errors)
    }

    private func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("aviso-shared-\(UUID().uuidString)").path
    }

    @Test func aBadURLIsRefusedNamingTheOptionOrTheVariable() throws {
        let data = scratch()
        let fromOption = try aviso(["run", "--data", data, "--ledger", "postgres://nobody-and-no-database"])
        #expect(fromOption.status != 0)
        #expect(fromOption.err.contains("--ledger"))
        let fromEnvironment = try aviso(["run", "--data", data], environment: ["AVISO_LEDGER_URL": "postgres://u:hunter2@h"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.err.contains("AVISO_LEDGER_URL"))
        #expect(!fromEnvironment.err.contains("hunter2"))
        #expect(!FileManager.default.fileExists(atPath: data))
    }

    /// A server that cannot be reached is named with the password masked.
    @Test func theURLsPasswordIsNeverPrinted() throws {
        let result = try aviso(["run", "--data", scratch(), "--ledger", "postgres://aviso:hunter2@127.0.0.1:1/aviso"])
        #expect(result.status != 0)
        #expect(result.err.contains("postgres://aviso:***@127.0.0.1:1/aviso"))
        #expect(!(result.out + result.err).contains("hunter2"))
    }

    /// `aviso backup` copies LMDB folders: for a PostgreSQL ledger it says what to use instead,
    /// and writes nothing.
    @Test func backupRefusesASharedLedgerNamingTheWayToBackItUp() throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        let destination = scratch()
        let result = try aviso(["backup", destination, "--data", scratch(), "--ledger", url])
        #expect(result.status != 0)
        #expect(result.err.contains("pg_basebackup") && result.err.contains("aviso ledger copy"), "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    /// `aviso ledger copy` data directory (LMDB) → PostgreSQL → a new data directory: the same
    /// records, byte for byte, and both ends verify; a non-empty destination is refused.
    @Test func ledgerCopyRoundTripsThroughPostgres() async throws {
        let source = DataDirectory(path: scratch())
        let store = try AvisoStore(directory: source)
        for i in 0..<25 {
            try await store.append(.clientUpserted(ClientUpserted(id: "C\(i)", name: "Cliente \(i)", phone: "5555\(1000 + i)",
                                                                  phoneCountryCode: "GT", advisor: "Ana", preferredChannel: .sms)),
                                   actor: "import")
        }
        store.close()
        let url = try PostgresTestServer.freshDatabaseURL()
        let home = scratch()
        let there = try aviso(["ledger", "copy", "--from", source.url.path, "--to", url])
        #expect(there.status == 0, "\(there.err)")
        #expect(there.out.contains("copied 25 records"))
        let back = try aviso(["ledger", "copy", "--from", url, "--to", home])
        #expect(back.status == 0, "\(back.err)")
        let again = try aviso(["ledger", "copy", "--from", source.url.path, "--to", url])
        #expect(again.status != 0 && again.err.contains("already holds 25 records"))

        func values(_ location: LedgerLocation) throws -> [Data] {
            let ledger = try Ledger(readingOnly: location)
            defer { ledger.close() }
            var out: [Data] = []
            try ledger.forEachStoredValue { out.append($1) }
            return out
        }
        let original = try values(.directory(source.ledger))
        #expect(original.count == 25)
        #expect(try values(.parse(url)) == original)
        #expect(try values(.directory(DataDirectory(path: home).ledger)) == original)
        // The copy is a data directory of its own: verify rebuilds and checks its read models.
        let verified = try aviso(["verify", "--data", home])
        #expect(verified.status == 0, "\(verified.err)")
    }
}
