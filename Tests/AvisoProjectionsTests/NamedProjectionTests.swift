import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Testing

@Suite struct NamedProjectionTests {
    /// A client, a template and a send: rows in three projections.
    private func populated() async throws -> (DataDirectory, AvisoStore) {
        let directory = makeDataDirectory()
        let store = try AvisoStore(directory: directory)
        try await store.append(clientEvent("C1", name: "Ana"), actor: "import")
        try await store.append(.templateChanged(TemplateChanged(stage: "D-2", channel: .sms, body: "Hola {{nombre}}")), actor: "u-admin")
        try await store.append(sentEvent(key: "m1", messageId: "wamid.1"), actor: "scheduler")
        return (directory, store)
    }

    /// Someone edits two projections' rows by hand: only a rebuild puts each back.
    private func tamper(_ store: AvisoStore) async throws {
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE clients SET name = 'Editado'")
            try db.execute(sql: "UPDATE templates SET body = 'Editado'")
        }
    }

    private func clientName(_ store: AvisoStore) throws -> String? {
        try store.read { try String.fetchOne($0, sql: "SELECT name FROM clients WHERE id = 'C1'") }
    }

    private func templateBody(_ store: AvisoStore) throws -> String? {
        try store.read { try String.fetchOne($0, sql: "SELECT body FROM templates WHERE stage = 'D-2'") }
    }

    @Test func everyProjectionHasItsOwnCheckpointAtTheHeadWithItsVersion() async throws {
        let (_, store) = try await populated()
        defer { store.close() }
        let head = try store.ledger.head()
        let rows = try store.read { try Row.fetchAll($0, sql: "SELECT name, position, hash, version FROM projection_checkpoint ORDER BY name") }
        #expect(rows.map { $0["name"] as String } == NamedProjection.all.map(\.name).sorted())
        for row in rows {
            #expect(UInt64(row["position"] as Int64) == head.position)
            #expect((row["hash"] as Data) == head.hash)
            #expect(row["version"] as Int == NamedProjection.named(row["name"])!.version)
        }
    }

    @Test func aProjectionBuiltByAnotherVersionIsRebuiltAloneOnTheNextOpen() async throws {
        let (directory, store) = try await populated()
        try await tamper(store)
        // As if `portfolio` had been written by an older build of its code.
        try await store.pool.write { try $0.execute(sql: "UPDATE projection_checkpoint SET version = 0 WHERE name = 'portfolio'") }
        store.close()

        let reopened = try AvisoStore(directory: directory)
        defer { reopened.close() }
        #expect(try clientName(reopened) == "Ana")
        // `templates` kept its version: not rebuilt, so the hand edit is still there (and verify says so).
        #expect(try templateBody(reopened) == "Editado")
        #expect(throws: VerificationError.readModelsDiffer(table: "templates")) { try Verification.run(reopened) }
        let version = try reopened.read { try Int.fetchOne($0, sql: "SELECT version FROM projection_checkpoint WHERE name = 'portfolio'") }
        #expect(version == NamedProjection.portfolio.version)
    }

    @Test func replayingOneProjectionLeavesTheOthersAndOtherProcessesAlone() async throws {
        let (directory, store) = try await populated()
        defer { store.close() }
        // Another holder (say, the server) keeps the read models open meanwhile.
        let other = try AvisoStore(directory: directory)
        defer { other.close() }
        try await tamper(store)
        let report = try other.rebuild(projection: "portfolio")
        #expect(report.events == 3)
        #expect(try clientName(store) == "Ana")
        #expect(try templateBody(store) == "Editado")

        try other.rebuild(projection: "templates")
        #expect(try templateBody(store) == "Hola {{nombre}}")
        #expect(try Verification.run(store).head.position == 3)
    }

    @Test func theReplayCommandRebuildsOneProjectionWhileAnotherProcessHasTheStoreOpen() async throws {
        let (directory, store) = try await populated()
        defer { store.close() }
        try await tamper(store)
        let data = ["--data", directory.url.path]
        let replay = try runProcess(avisoUnderTest(), ["replay", "--projection", "portfolio"] + data)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("replayed 3 events"), "\(replay.stdout)")
        #expect(try clientName(store) == "Ana")
        #expect(try templateBody(store) == "Editado")
        let unknown = try runProcess(avisoUnderTest(), ["replay", "--projection", "clientes"] + data)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("\"clientes\"") && unknown.stderr.contains("portfolio"), "\(unknown.stderr)")
    }

    @Test func anUnknownProjectionNameIsRefusedNamingTheKnownOnes() async throws {
        let (_, store) = try await populated()
        defer { store.close() }
        let error = #expect(throws: ProjectionError.self) { try store.rebuild(projection: "clientes") }
        #expect("\(error!)".contains("\"clientes\"") && "\(error!)".contains("portfolio"))
    }

    @Test func settingsComeFromCodeDefaultsAndEventsNotFromAMigration() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM settings") } == 0)
        #expect(try store.read { try MessagingSettings.current($0) } == MessagingSettings.defaults)
        try await store.append(.settingsChanged(SettingsChanged(dailyCap: 3)), actor: "u-admin")
        let settings = try store.read { try MessagingSettings.current($0) }
        #expect(settings.dailyCap == 3 && settings.timeZone == MessagingSettings.defaults.timeZone)
        // Rebuilt alone, the messaging projection gives the same settings.
        try store.rebuild(projection: "messaging")
        #expect(try store.read { try MessagingSettings.current($0) } == settings)
    }

    @Test func readModelsWithTheSingleOldCheckpointGetOneRowPerProjection() async throws {
        let directory = makeDataDirectory()
        do {
            let store = try AvisoStore(directory: directory)
            store.close()
        }
        Replay.removeDatabaseFiles(directory.readModels)
        // The file as the previous release left it: one `read_models` checkpoint, seeded settings.
        let old = try DatabaseQueue(path: directory.readModels.path)
        try ReadModelSchema.migrator.migrate(old, upTo: "v5-drop-stage-sends")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO projection_checkpoint (name, position, hash) VALUES ('read_models', 0, ?)",
                           arguments: [LedgerHead.empty.hash])
        }
        #expect(try await old.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM settings") } == 1)
        try old.close()

        let store = try AvisoStore(directory: directory)
        defer { store.close() }
        let names = try store.read { try String.fetchAll($0, sql: "SELECT name FROM projection_checkpoint ORDER BY name") }
        #expect(names == NamedProjection.all.map(\.name).sorted())
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM settings") } == 0)
        #expect(try store.read { try MessagingSettings.current($0) } == MessagingSettings.defaults)
    }
}
