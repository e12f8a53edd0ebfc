import AvisoLedger
@testable import AvisoProjections
import Foundation
import GRDB
import Testing

@Suite struct StatusProjectionTests {
    private func status(_ store: AvisoStore, _ messageId: String) throws -> (String, String?) {
        try store.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT status, error_code FROM notifications_log WHERE message_id = ?", arguments: [messageId])!
            return (row["status"], row["error_code"])
        }
    }

    @Test func lateDuplicatedAndOutOfOrderCallbacksNeverMoveStatusBackwards() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        try await store.append(sentEvent(key: "m1", messageId: "wamid.1"), actor: "scheduler")
        for s in [DeliveryStatus.read, .sent, .delivered, .read, .sent] {
            try await store.append(statusEvent(s, messageId: "wamid.1"), actor: "webhook:whatsapp")
        }
        #expect(try status(store, "wamid.1").0 == "read")

        try await store.append(sentEvent(key: "m2", messageId: "wamid.2"), actor: "scheduler")
        try await store.append([NewEvent(statusEvent(.failed, messageId: "wamid.2", error: "131026"), actor: "webhook:whatsapp"),
                                NewEvent(statusEvent(.delivered, messageId: "wamid.2"), actor: "webhook:whatsapp"),
                                NewEvent(statusEvent(.failed, messageId: "wamid.2", error: "999"), actor: "webhook:whatsapp")])
        // failed is final: the late "delivered" and the duplicate "failed" change nothing.
        #expect(try status(store, "wamid.2") == ("failed", "131026"))

        // Every raw status is still in the ledger.
        let raw = try store.ledger.records(after: 0, limit: 100).filter { $0.type == "DeliveryStatusReceived" }
        #expect(raw.count == 8)
    }

    @Test func callbacksForAnUnknownMessageWaitAndAreLinkedWhenTheSendIsRecorded() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        try await store.append(statusEvent(.delivered, provider: "twilio", messageId: "SM9"), actor: "webhook:twilio")
        try await store.append(statusEvent(.sent, provider: "twilio", messageId: "SM9"), actor: "webhook:twilio")
        let waiting = try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_statuses WHERE message_id = 'SM9'") }
        #expect(waiting == 2)

        try await store.append(sentEvent(key: "m9", provider: "twilio", messageId: "SM9"), actor: "scheduler")
        #expect(try status(store, "SM9").0 == "delivered")
        let left = try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_statuses") }
        #expect(left == 0)
    }

    @Test func sendsCountTowardsTheClientsLocalDayAndTestsDoNot() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        // 2026-11-27 05:30 UTC is still 2026-11-26 in Guatemala (UTC−6).
        let lateEvening = Date(timeIntervalSince1970: 1_795_757_400)
        try await store.append([
            NewEvent(sentEvent(key: "a", messageId: "w1", at: lateEvening), actor: "scheduler"),
            NewEvent(sentEvent(key: "b", messageId: "w2", at: lateEvening.addingTimeInterval(-3 * 3600)), actor: "scheduler"),
            // 00:30 local: the next local day, a fresh count.
            NewEvent(sentEvent(key: "d", messageId: "w4", at: lateEvening.addingTimeInterval(3600)), actor: "scheduler"),
            NewEvent(sentEvent(key: "c", messageId: "w3", at: lateEvening, test: true), actor: "u1"),
        ])
        let counts = try store.read { try Row.fetchAll($0, sql: "SELECT local_date, count FROM daily_counts ORDER BY local_date") }
        #expect(counts.map { $0["local_date"] as String } == ["2026-11-26", "2026-11-27"])
        #expect(counts.map { $0["count"] as Int } == [2, 1])
    }
}

@Suite struct ReplayTests {
    @Test func replayGivesReadModelsIdenticalToTheLiveOnes() async throws {
        let directory = makeDataDirectory()
        let live = try await Self.populate(directory)
        let replayed = try Replay.rebuild(directory)
        #expect(replayed.events == 9)
        let rebuilt = try ReadModelDigest.compute(DatabaseQueue(path: directory.readModels.path))
        #expect(rebuilt == live)
        #expect(rebuilt.tables.count == ReadModelSchema.projectedTables.count)

        // Deleting the SQLite file loses nothing: opening the store rebuilds it.
        Replay.removeDatabaseFiles(directory.readModels)
        let reopened = try AvisoStore(directory: directory)
        defer { reopened.close() }
        let version = try reopened.read { try Int.fetchOne($0, sql: "SELECT version FROM templates WHERE stage = 'D-2'") }
        #expect(version == 2)
        let settings = try reopened.read { try MessagingSettings.current($0) }
        #expect(settings.dailyCap == 3 && settings.quietHoursStart == "21:00" && settings.quietHoursEnd == "08:00")
    }

    /// Appends one of most kinds of event through a store, checks `verify`, closes the store
    /// and returns the live read models' digest.
    static func populate(_ directory: DataDirectory) async throws -> ReadModelDigest {
        let store = try AvisoStore(directory: directory)
        defer { store.close() }
        try await store.append([NewEvent(clientEvent("C1"), actor: "import"), NewEvent(clientEvent("C2", name: "Otro"), actor: "import")])
        try await store.append(sentEvent(key: "m1", messageId: "wamid.1"), actor: "scheduler")
        try await store.append(statusEvent(.delivered, messageId: "wamid.1"), actor: "webhook:whatsapp")
        try await store.append(statusEvent(.sent, provider: "twilio", messageId: "SM-early"), actor: "webhook:twilio")
        try await store.append(.settingsChanged(SettingsChanged(quietHoursStart: "21:00", dailyCap: 3)), actor: "u-admin")
        try await store.append(.templateChanged(TemplateChanged(stage: "D-2", channel: .sms, body: "Hola {{nombre}}")), actor: "u-admin")
        try await store.append(.templateChanged(TemplateChanged(stage: "D-2", channel: .sms, body: "Buenas {{nombre}}")), actor: "u-admin")
        try await store.append(.optedOut(OptedOut(clientId: "C2", phone: "+50255551234", channel: nil, source: "keyword:BAJA")), actor: "webhook:twilio")
        #expect(try Verification.run(store).head.position == 9)
        return try ReadModelDigest.compute(store.readModels)
    }

    @Test func replayRefusesWhileAnotherHolderHasTheReadModelsOpen() async throws {
        let directory = makeDataDirectory()
        let store = try AvisoStore(directory: directory)
        defer { store.close() }
        #expect(throws: ProjectionError.self) { try Replay.rebuild(directory) }
    }

    @Test func verifyNamesTheTableThatDiffersFromAReplay() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        try await store.append(clientEvent("C1"), actor: "import")
        // Someone edits the cache by hand.
        try await store.pool.write { try $0.execute(sql: "UPDATE clients SET name = 'Editado'") }
        #expect(throws: VerificationError.readModelsDiffer(table: "clients")) { try Verification.run(store) }
    }

    @Test func readModelsFromAnotherLedgerAreRefused() async throws {
        let a = makeDataDirectory(), b = makeDataDirectory()
        do {
            let storeA = try AvisoStore(directory: a)
            try await storeA.append(clientEvent("C1"), actor: "import")
            storeA.close()
            let storeB = try AvisoStore(directory: b)
            try await storeB.append(clientEvent("C1", name: "Otro"), actor: "import")
            storeB.close()
        }
        try FileManager.default.removeItem(at: b.readModels)
        try FileManager.default.copyItem(at: a.readModels, to: b.readModels)
        #expect(throws: ProjectionError.self) { try AvisoStore(directory: b) }
    }
}
