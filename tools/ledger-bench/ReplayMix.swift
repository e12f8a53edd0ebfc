import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// A portfolio imported, then reminders run over it: per installment a due stage, a rendered
/// text, a send and its sent/delivered/read callbacks. `n` events in all.
func mixedEvents(_ n: Int) -> [NewEvent] {
    let installments = n * 2 / 15  // 7.5 events per installment
    var out: [NewEvent] = []
    out.reserveCapacity(n)
    for c in 0..<(installments / 2) {
        out.append(NewEvent(.clientUpserted(ClientUpserted(id: "C\(c)", name: "Cliente \(c)", phone: "+50255\(String(format: "%06d", c % 1_000_000))",
                                                            phoneCountryCode: "GT", advisor: "Ana", preferredChannel: .whatsapp)), actor: "import"))
    }
    for i in 0..<installments {
        out.append(NewEvent(.installmentUpserted(InstallmentUpserted(id: "I\(i)", clientId: "C\(i / 2)", loanId: "L\(i / 2)", number: i % 2 + 1,
                                                                     dueDate: "2026-12-\(String(format: "%02d", i % 28 + 1))", amountMinor: 150_000,
                                                                     currency: "GTQ", status: .pending)), actor: "import"))
    }
    var i = 0
    while out.count < n {
        let key = "run-2026-11-26:I\(i):D-2:whatsapp", id = "wamid.HBgLNTAyNTU1NTEyMzQVAgARGBI\(i)"
        let at = Date(timeIntervalSince1970: 1_795_700_000 + Double(i % 86_400))
        out.append(NewEvent(.stageDue(StageDue(clientId: "C\(i / 2)", installmentId: "I\(i)", stage: "D-2", localDate: "2026-11-26")), actor: "scheduler"))
        out.append(NewEvent(.messageRendered(MessageRendered(messageKey: key, clientId: "C\(i / 2)", installmentId: "I\(i)", stage: "D-2",
                                                             channel: .whatsapp, text: "Hola Cliente \(i / 2), su cuota de Q1,500.00 vence el 28/11.")),
                            actor: "scheduler"))
        out.append(NewEvent(.messageSent(MessageSent(messageKey: key, clientId: "C\(i / 2)", installmentId: "I\(i)", stage: "D-2", channel: .whatsapp,
                                                     provider: "whatsapp", to: "+50255\(String(format: "%06d", (i / 2) % 1_000_000))",
                                                     messageId: id, status: .accepted, dryRun: false, at: at)), actor: "scheduler"))
        for status in [DeliveryStatus.sent, .delivered, .read] {
            out.append(NewEvent(.deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: id, status: status,
                                                                               providerTime: at.addingTimeInterval(5))), actor: "webhook:whatsapp"))
        }
        i = (i + 1) % installments
    }
    return Array(out.prefix(n))
}

/// Generates the mix and appends it; the generated events are freed when this returns.
func appendMix(_ n: Int, to ledger: Ledger) async throws {
    let events = mixedEvents(n)
    for start in stride(from: 0, to: n, by: 20_000) {
        try await ledger.append(Array(events[start..<min(start + 20_000, n)]))
    }
}

/// The replay of `n` mixed events against a bare load of the rows it produced into the same
/// tables with only their primary keys (and inline unique constraints), in the same run.
func replayMixBenchmark(events n: Int, scratch: URL) async throws {
    print("== replay: \(n) events, a portfolio and its reminders (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
    let ledger = try Ledger(directory: scratch.appendingPathComponent("mix-ledger"), initialMapSize: 16 << 30)
    try await appendMix(n, to: ledger)
    // Where a replay's time can go: reading and JSON-decoding alone, one thread.
    var decoded = 0
    let decodeTime = try seconds {
        try ledger.forEachRecord(chunk: 2_000) { record in
            _ = try record.decodeEvent()
            decoded += 1
        }
    }
    print("read + JSON decode alone, one thread: \(fmt(Double(decoded) / decodeTime)) events/s")
    let target = scratch.appendingPathComponent("mix.sqlite")
    // The heap is measured from a trimmed start: what the steps above freed is handed back
    // first (it was counted as the replay's before, and it grows with the log: the 5 M
    // generated events alone).
    releaseFreedMemory()
    let sampler = AnonymousMemorySampler()
    let report = try Replay.build(from: ledger, into: target)
    let heap = sampler.stop()
    ledger.close()

    let (rows, bareTime) = try bareLoad(of: target, into: scratch.appendingPathComponent("mix-bare.sqlite"))
    let bare = Double(n) / bareTime
    print("replay: \(fmt(report.eventsPerSecond)) events/s (\(String(format: "%.1f", report.seconds)) s, indexes and ANALYZE included)")
    print("bare: its \(rows) rows, one prepared INSERT each into the same tables with only primary keys, one transaction: \(String(format: "%.1f", bareTime)) s = \(fmt(bare)) events' worth/s; replay = \(pct(report.eventsPerSecond / bare)) of bare")
    print("heap: peak anonymous memory during the replay \(fmt(heap)) MiB")
}

/// Every row of `replayed`, one prepared INSERT each, into its tables created again with their
/// primary keys (and inline unique constraints) only, in one transaction. Returns the rows and
/// the seconds the inserts took.
func bareLoad(of replayed: URL, into file: URL) throws -> (rows: Int, seconds: Double) {
    var config = Configuration()
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144") }
    let queue = try DatabaseQueue(path: file.path, configuration: config)
    return try queue.writeWithoutTransaction { db in
        try db.execute(sql: "ATTACH DATABASE ? AS replayed", arguments: [replayed.path])
        let tables = try Row.fetchAll(db, sql: "SELECT name, sql FROM replayed.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
        for table in tables { try db.execute(sql: table["sql"]) }
        var rows = 0
        let time = try seconds {
            try db.inTransaction {
                for table in tables {
                    let name: String = table["name"]
                    let columns = try db.columns(in: name, in: "replayed").map { "\"\($0.name)\"" }
                    let insert = try db.makeStatement(sql: "INSERT INTO main.\"\(name)\" (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
                    let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM replayed.\"\(name)\"")
                    while let row = try cursor.next() {
                        try insert.execute(arguments: StatementArguments(row.databaseValues))
                        rows += 1
                    }
                }
                return .commit
            }
        }
        return (rows, time)
    }
}

/// For profiling the replay alone: `make-mix --ledger DIR` writes the mixed log once, and
/// `replay-only --ledger DIR` replays it into a scratch file and nothing else.
func makeMixLedger(events n: Int, at directory: URL) async throws {
    let ledger = try Ledger(directory: directory, initialMapSize: 16 << 30)
    defer { ledger.close() }
    let events = mixedEvents(n)
    for start in stride(from: 0, to: n, by: 20_000) {
        try await ledger.append(Array(events[start..<min(start + 20_000, n)]))
    }
    print("wrote \(n) events to \(directory.path)")
}

func replayOnly(ledgerAt directory: URL, scratch: URL) throws {
    let ledger = try Ledger(directory: directory)
    defer { ledger.close() }
    let report = try Replay.build(from: ledger, into: scratch.appendingPathComponent("only.sqlite"))
    print("replay: \(fmt(report.eventsPerSecond)) events/s (\(String(format: "%.1f", report.seconds)) s)")
}
