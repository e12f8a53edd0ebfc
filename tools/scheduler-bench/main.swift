// scheduler-bench: how long a day's `aviso run` takes to decide and append its events
// (StageDue, MessageScheduled, MessageDeferred, MessageSkipped) for a synthetic portfolio,
// against the bare ledger append of the same number of events.
//
//   swift build -c release --scratch-path .build-scheduler --product scheduler-bench
//   .build-scheduler/release/scheduler-bench [installments…]   (default 100000 300000 1000000)
//
// Portfolio: installments / 10 clients, each with one loan of 10 monthly installments whose
// first due date is spread over the 300 days before and 30 days after the run day; past
// installments more than 90 days old are paid, 70 % of the other past ones too. A third of
// the clients get both channels (two messages per reminder). Phones are valid GT mobiles.
// The dispatch (the sends themselves) is not part of the measured decision.
import AvisoLedger
import AvisoProjections
import AvisoScheduler
import Foundation
import GRDB

struct NoDispatch: MessageDispatching {
    func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult { .sent }
}

struct Generator {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let timeZone = TimeZone(identifier: "America/Guatemala")!
let today = LocalDay(iso: "2026-11-26")!
let now = LocalClock.instant(today, minute: 9 * 60, in: timeZone)

func portfolio(installments: Int) -> [NewEvent] {
    var rng = Generator()
    var events: [NewEvent] = []
    events.reserveCapacity(installments + installments / 10)
    let channels: [PreferredChannel] = [.whatsapp, .sms, .both]
    for c in 0..<(installments / 10) {
        let id = "C\(c)"
        events.append(NewEvent(.clientUpserted(ClientUpserted(
            id: id, name: "Cliente \(c)", phone: "5\(String(format: "%03d", c / 10000 % 1000))-\(String(format: "%04d", c % 10000))",
            phoneCountryCode: "GT", advisor: "Ana", preferredChannel: channels[c % 3])), actor: "import"))
        let first = today - 300 + rng.next(330)
        for k in 0..<10 {
            let due = first + 30 * k
            let age = today - due
            let paid = age > 90 || (age > 0 && rng.next(10) < 7)
            events.append(NewEvent(.installmentUpserted(InstallmentUpserted(
                id: "I\(c)-\(k)", clientId: id, loanId: "L\(c)", number: k + 1, dueDate: due.iso,
                amountMinor: 50_000, currency: "GTQ", status: paid ? .paid : .pending)), actor: "import"))
        }
    }
    return events
}

func bench(installments: Int) async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let directory = DataDirectory(root.appendingPathComponent("data"))
    try directory.create()
    let seed = portfolio(installments: installments)
    let load = try await seconds {
        let ledger = try Ledger(directory: directory.ledger, initialMapSize: 1 << 30)
        var i = 0
        while i < seed.count {
            try await ledger.append(Array(seed[i..<min(i + 20_000, seed.count)]))
            i += 20_000
        }
        ledger.close()
    }
    var store: AvisoStore!
    let project = try await seconds { store = try AvisoStore(directory: directory, initialMapSize: 1 << 30) }
    defer { store.close() }
    let scheduler = Scheduler(store: store, dispatcher: NoDispatch())
    let before = try store.ledger.head().position
    var decided: (summary: RunSummary, messages: [DueMessage])!
    let decide = try await seconds { decided = try await scheduler.decideStages(now: now) }
    let appended = Int(try store.ledger.head().position - before)
    let chunks = max(1, Int((Double(decided.summary.due) / Double(SchedulerOptions().chunkSize)).rounded(.up)))
    let again = try await seconds { _ = try await scheduler.decideStages(now: now) }

    // The bare ledger append of the same events, in the same number of transactions.
    var copies: [NewEvent] = []
    try store.ledger.forEachRecord(after: before) { copies.append(NewEvent(try $0.decodeEvent(), actor: $0.actor)) }
    let bareDirectory = root.appendingPathComponent("bare")
    let bareLedger = try Ledger(directory: bareDirectory, initialMapSize: 1 << 28)
    let perChunk = max(1, (copies.count + chunks - 1) / chunks)
    let bare = try await seconds {
        var i = 0
        while i < copies.count {
            try await bareLedger.append(Array(copies[i..<min(i + perChunk, copies.count)]))
            i += perChunk
        }
    }
    bareLedger.close()

    let s = decided.summary
    let line = (String(format: "installments %7d  clients %6d | load %.1fs project %.1fs | decide %.2fs: due %d, to send %d, skipped %d, deferred %d, events %d (%.1f µs/event) | bare append %.3fs (ratio %.1f×) | second run %.2fs",
                 installments, installments / 10, load, project, decide, s.due, decided.messages.count, s.skippedTotal, s.deferred,
                 appended, decide / Double(max(1, appended)) * 1e6, bare, decide / max(bare, 1e-9), again)) + "\n"
    FileHandle.standardOutput.write(Data(line.utf8))
}

let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
for n in sizes.isEmpty ? [100_000, 300_000, 1_000_000] : sizes {
    try await bench(installments: n)
}
