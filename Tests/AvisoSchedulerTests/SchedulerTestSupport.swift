import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
@testable import AvisoScheduler

let guatemala = TimeZone(identifier: "America/Guatemala")!

/// The instant of local Guatemala time `2026-11-26 09:00`.
func local(_ day: String, _ time: String = "09:00") -> Date {
    LocalClock.instant(LocalDay(iso: day)!, minute: LocalClock.parseMinute(time)!, in: guatemala)
}

func day(_ iso: String) -> LocalDay { LocalDay(iso: iso)! }

/// A temporary data directory with a store and a scheduler over the dry-run dispatcher.
final class Fixture: @unchecked Sendable {
    let url: URL
    let store: AvisoStore
    let scheduler: Scheduler
    private let recorder: RecordingDispatcher

    /// `sharedLedger`: the ledger on that PostgreSQL database instead of LMDB in the folder.
    init(owner: RunOwner = .current(), sharedLedger: PostgresLedgerURL? = nil) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-sched-\(UUID().uuidString)")
        store = try AvisoStore(directory: DataDirectory(url, sharedLedger: sharedLedger), initialMapSize: 16 << 20)
        recorder = RecordingDispatcher(DryRunDispatcher(store: store))
        scheduler = Scheduler(store: store, dispatcher: recorder, owner: owner)
    }

    /// Every message the scheduler handed to the send path, in order.
    var dispatched: [DueMessage] { recorder.messages }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: url)
    }

    func client(_ id: String, channel: PreferredChannel = .whatsapp, phone: String = "5555-1234") async throws {
        try await store.append(.clientUpserted(ClientUpserted(id: id, name: "Cliente \(id)", phone: phone, phoneCountryCode: "GT",
                                                              advisor: "Ana", preferredChannel: channel)), actor: "test")
    }

    func installment(_ id: String, client: String, due: String, amount: Int64 = 50_000,
                     status: InstallmentStatus = .pending, loan: String? = nil) async throws {
        try await store.append(.installmentUpserted(InstallmentUpserted(
            id: id, clientId: client, loanId: loan ?? "L-\(client)", number: 1, dueDate: due, amountMinor: amount,
            currency: "GTQ", status: status)), actor: "test")
    }

    func settings(_ change: SettingsChanged) async throws {
        try await store.append(.settingsChanged(change), actor: "test")
    }

    func run(_ now: Date) async throws -> RunSummary {
        try await scheduler.run(now: now, dryRun: true)
    }

    func events() throws -> [LedgerEvent] {
        var out: [LedgerEvent] = []
        try store.ledger.forEachRecord { out.append(try $0.decodeEvent()) }
        return out
    }

    func head() throws -> UInt64 { try store.ledger.head().position }

    var stageDues: [StageDue] {
        get throws { try events().compactMap { if case let .stageDue(e) = $0 { e } else { nil } } }
    }
    var sent: [MessageSent] {
        get throws { try events().compactMap { if case let .messageSent(e) = $0 { e } else { nil } } }
    }
    var skipped: [MessageSkipped] {
        get throws { try events().compactMap { if case let .messageSkipped(e) = $0 { e } else { nil } } }
    }
    var deferred: [MessageDeferred] {
        get throws { try events().compactMap { if case let .messageDeferred(e) = $0 { e } else { nil } } }
    }
    var scheduled: [MessageScheduled] {
        get throws { try events().compactMap { if case let .messageScheduled(e) = $0 { e } else { nil } } }
    }

    func logStatus(_ key: String) throws -> String? {
        try store.read { try String.fetchOne($0, sql: "SELECT status FROM notifications_log WHERE message_key = ?", arguments: [key]) }
    }
}
