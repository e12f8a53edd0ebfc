// ledger-bench: the ledger's speed as ratios to the physical limits measured in the same run.
//
//   swift run -c release ledger-bench append  [--events N]   batched and single durable appends
//   swift run -c release ledger-bench replay  [--events N]   replay into SQLite vs bare INSERTs, peak RSS
//   swift run -c release ledger-bench replay-mix [--events N]  a portfolio and its reminders vs a bare load with only primary keys
//
// Every figure is printed with the limit it is compared to; the README quotes a run.
import AvisoLedger
import AvisoProjections
import CLMDB
import Foundation
import GRDB

let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "all"
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}

let scratch = URL(fileURLWithPath: ProcessInfo.processInfo.environment["BENCH_DIR"] ?? NSTemporaryDirectory())
    .appendingPathComponent("aviso-ledger-bench-\(getpid())")
try? FileManager.default.removeItem(at: scratch)
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: scratch) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func asyncSeconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func peakRSSMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// Samples RssAnon (heap and stacks, not the mapped LMDB file) every 20 ms, keeping the peak.
final class AnonymousMemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0.0
    private var running = true

    init() {
        Thread { [self] in
            while lock.withLock({ running }) {
                let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
                let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
                let mib = (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
                lock.withLock { peak = max(peak, mib) }
                usleep(20_000)
            }
        }.start()
    }

    func stop() -> Double {
        lock.withLock {
            running = false
            return peak
        }
    }
}

func fmt(_ v: Double) -> String { String(format: "%.0f", v) }
func pct(_ v: Double) -> String { String(format: "%.0f%%", v * 100) }

/// A realistic event: a WhatsApp reminder recorded as sent.
func sentEvent(_ i: Int) -> LedgerEvent {
    .messageSent(MessageSent(messageKey: "run-2026-11-26:I\(i):D-2:whatsapp", clientId: "C\(i % 100_000)", installmentId: "I\(i)",
                             stage: "D-2", channel: .whatsapp, provider: "whatsapp", to: "+5025555\(String(format: "%04d", i % 10_000))",
                             messageId: "wamid.HBgLNTAyNTU1NTEyMzQVAgARGBI\(i)", status: .accepted, dryRun: false,
                             at: Date(timeIntervalSince1970: 1_795_700_000 + Double(i % 86_400))))
}

// MARK: Bare LMDB: MDB_APPEND of the same record bytes, no hashing, no encoding.

func bareLMDBAppend(_ values: [[UInt8]], batch: Int) throws -> Double {
    let dir = scratch.appendingPathComponent("bare-\(batch)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var env: OpaquePointer?
    mdb_env_create(&env)
    mdb_env_set_mapsize(env, 8 << 30)
    mdb_env_set_maxdbs(env, 4)
    guard mdb_env_open(env, dir.path, UInt32(MDB_NOTLS), 0o640) == 0 else { fatalError("bare env_open") }
    defer { mdb_env_close(env) }
    var dbi: MDB_dbi = 0
    var txn: OpaquePointer?
    mdb_txn_begin(env, nil, 0, &txn)
    mdb_dbi_open(txn, "events", UInt32(MDB_CREATE), &dbi)
    mdb_txn_commit(txn)
    return try seconds {
        var position: UInt64 = 0
        for chunk in stride(from: 0, to: values.count, by: batch) {
            mdb_txn_begin(env, nil, 0, &txn)
            for value in values[chunk..<min(chunk + batch, values.count)] {
                position += 1
                var key = position.bigEndian
                try withUnsafeMutableBytes(of: &key) { k in
                    try value.withUnsafeBytes { v in
                        var mk = MDB_val(mv_size: 8, mv_data: k.baseAddress)
                        var mv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                        let rc = mdb_put(txn, dbi, &mk, &mv, UInt32(MDB_APPEND))
                        if rc != 0 { fatalError("bare put failed: \(rc)") }
                    }
                }
            }
            guard mdb_txn_commit(txn) == 0 else { fatalError("bare commit") }
        }
    }
}

/// How many fdatasync'd 4 KiB writes the disk takes per second: the ceiling for durable single appends.
func fsyncRate(_ count: Int) -> Double {
    let path = scratch.appendingPathComponent("fsync.bin").path
    let fd = open(path, O_RDWR | O_CREAT, 0o640)
    defer { close(fd) }
    let block = [UInt8](repeating: 7, count: 4096)
    let t = seconds {
        for i in 0..<count {
            _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t(i % 16) * 4096) }
            fdatasync(fd)
        }
    }
    return Double(count) / t
}

func appendBenchmark(events n: Int) async throws {
    print("== append: \(n) MessageSent events (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
    let events = (0..<n).map { NewEvent(sentEvent($0), actor: "scheduler") }
    // The exact bytes the ledger stores for these events, for the bare loop.
    let probe = try Ledger(directory: scratch.appendingPathComponent("probe"), initialMapSize: 1 << 30)
    try await probe.append(Array(events.prefix(1000)))
    let sample = try probe.records(after: 0, limit: 1000)
    probe.close()
    let values: [[UInt8]] = (0..<n).map { i in
        let r = sample[i % sample.count]
        return RecordBytes.value(r)
    }
    let bytes = values.reduce(0) { $0 + $1.count }
    print("record size: \(bytes / n) bytes on average")

    for batch in [1000, 10_000] {
        let bare = Double(n) / (try bareLMDBAppend(values, batch: batch))
        // The writer's own work: records already encoded by their callers (as the server's
        // request handlers do, on any core), then SHA-256 chained and put in one transaction.
        let writerLedger = try Ledger(directory: scratch.appendingPathComponent("writer-\(batch)"), initialMapSize: 8 << 30)
        let encoded = try events.map(EncodedEvent.init)
        let writerTime = try await asyncSeconds {
            for chunk in stride(from: 0, to: n, by: batch) {
                try await writerLedger.append(encoded: Array(encoded[chunk..<min(chunk + batch, n)]))
            }
        }
        writerLedger.close()
        // End to end from typed events, JSON encoding included, one caller.
        let ledger = try Ledger(directory: scratch.appendingPathComponent("ledger-\(batch)"), initialMapSize: 8 << 30)
        let typedTime = try await asyncSeconds {
            for chunk in stride(from: 0, to: n, by: batch) {
                try await ledger.append(Array(events[chunk..<min(chunk + batch, n)]))
            }
        }
        ledger.close()
        let writer = Double(n) / writerTime, typed = Double(n) / typedTime
        print("batches of \(batch): bare MDB_APPEND \(fmt(bare)) records/s; ledger writer (hash chain + put) \(fmt(writer)) events/s = \(pct(writer / bare)) of bare; with JSON encoding on one caller \(fmt(typed)) events/s = \(pct(typed / bare))")
    }

    // Concurrent callers: the writer groups what waits into one transaction.
    let grouped = try Ledger(directory: scratch.appendingPathComponent("grouped"), initialMapSize: 8 << 30)
    let groupCount = min(n, 20_000)
    let groupTime = try await asyncSeconds {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<64 {
                group.addTask {
                    for i in stride(from: worker, to: groupCount, by: 64) { try await grouped.append([events[i]]) }
                }
            }
            try await group.waitForAll()
        }
    }
    grouped.close()

    // Single durable appends, one after the other, against the disk's fsync rate.
    let single = try Ledger(directory: scratch.appendingPathComponent("single"), initialMapSize: 1 << 30)
    let singles = 300
    let singleTime = try await asyncSeconds {
        for i in 0..<singles { try await single.append([events[i]]) }
    }
    single.close()
    let syncs = fsyncRate(300)
    print("64 concurrent callers, one event each: \(fmt(Double(groupCount) / groupTime)) events/s (group commit)")
    print("single durable appends: \(fmt(Double(singles) / singleTime))/s; disk fdatasync rate: \(fmt(syncs))/s = \(pct(Double(singles) / singleTime / syncs)) of fsync rate (an LMDB commit syncs data and meta pages: 2 syncs)")
}

// MARK: Replay

func replayBenchmark(events n: Int) async throws {
    print("== replay: \(n) MessageSent events into SQLite")
    let ledgerDir = scratch.appendingPathComponent("replay-ledger")
    let ledger = try Ledger(directory: ledgerDir, initialMapSize: 8 << 30)
    let chunk = 20_000
    for start in stride(from: 0, to: n, by: chunk) {
        try await ledger.append((start..<min(start + chunk, n)).map { NewEvent(sentEvent($0), actor: "scheduler") })
    }
    // Where a replay's time can go: reading and decoding alone, on one thread.
    var decoded = 0
    let decodeTime = try seconds {
        try ledger.forEachRecord(chunk: 2_000) { record in
            if case .messageSent = try record.decodeEvent() { decoded += 1 }
        }
    }
    print("read + JSON decode alone: \(fmt(Double(decoded) / decodeTime)) events/s")
    let rssBefore = peakRSSMiB()
    let target = scratch.appendingPathComponent("replay.sqlite")
    releaseFreedMemory()  // the heap is measured from a trimmed start
    let sampler = AnonymousMemorySampler()
    let report = try Replay.build(from: ledger, into: target)
    let anonPeak = sampler.stop()
    let rssAfter = peakRSSMiB()
    ledger.close()

    guard !arguments.contains("--no-bare") else {
        print("replay: \(fmt(report.eventsPerSecond)) events/s (\(String(format: "%.1f", report.seconds)) s); peak anonymous memory during replay \(fmt(anonPeak)) MiB; peak RSS \(fmt(rssAfter)) MiB incl. the mapped ledger file (\(fmt(rssBefore)) MiB before replay)")
        return
    }
    // Bare: every row the replay produced, in every table, written again with one prepared
    // INSERT per row in one transaction (rows read back from the replayed file).
    let bareFile = scratch.appendingPathComponent("bare.sqlite")
    var config = Configuration()
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144") }
    let queue = try DatabaseQueue(path: bareFile.path, configuration: config)
    try ReadModelSchema.migrator.migrate(queue)
    var rows = 0
    let bareTime = try seconds {
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS replayed", arguments: [target.path])
            try db.inTransaction {
                for (table, order) in ReadModelSchema.projectedTables {
                    try db.execute(sql: "DELETE FROM main.\(table)")
                    let columns = try db.columns(in: table, in: "main").map(\.name)
                    let insert = try db.makeStatement(sql: "INSERT INTO main.\(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
                    let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM replayed.\(table) ORDER BY \(order)")
                    while let row = try cursor.next() {
                        try insert.execute(arguments: StatementArguments(row.databaseValues))
                        rows += 1
                    }
                }
                return .commit
            }
        }
    }
    let bare = Double(n) / bareTime
    print("replay: \(fmt(report.eventsPerSecond)) events/s (\(String(format: "%.1f", report.seconds)) s)")
    print("bare: the \(rows) rows it produced, one prepared INSERT each, one transaction: \(String(format: "%.1f", bareTime)) s = \(fmt(bare)) events' worth/s; replay = \(pct(report.eventsPerSecond / bare)) of bare")
    print("memory: peak anonymous (heap) during replay \(fmt(anonPeak)) MiB; peak RSS \(fmt(rssAfter)) MiB, which includes the LMDB file pages mapped while reading (\(fmt(rssBefore)) MiB before)")
}

/// The stored value of a record: body then hash.
enum RecordBytes {
    static func value(_ r: LedgerRecord) -> [UInt8] {
        var out: [UInt8] = [1]
        withUnsafeBytes(of: Int64((r.time.timeIntervalSince1970 * 1000).rounded()).bigEndian) { out += $0 }
        withUnsafeBytes(of: UInt16(r.schemaVersion).bigEndian) { out += $0 }
        withUnsafeBytes(of: UInt16(r.type.utf8.count).bigEndian) { out += $0 }
        out += r.type.utf8
        withUnsafeBytes(of: UInt16(r.actor.utf8.count).bigEndian) { out += $0 }
        out += r.actor.utf8
        withUnsafeBytes(of: UInt32(r.payload.count).bigEndian) { out += $0 }
        out += r.payload
        out += r.hash
        return out
    }
}

switch mode {
case "append": try await appendBenchmark(events: option("--events", 200_000))
case "replay": try await replayBenchmark(events: option("--events", 1_000_000))
case "replay-mix": try await replayMixBenchmark(events: option("--events", 1_000_000), scratch: scratch)
case "make-mix", "replay-only":
    guard let i = arguments.firstIndex(of: "--ledger"), i + 1 < arguments.count else { fatalError("\(mode) needs --ledger DIR") }
    let directory = URL(fileURLWithPath: arguments[i + 1])
    if mode == "make-mix" {
        try await makeMixLedger(events: option("--events", 1_000_000), at: directory)
    } else {
        try replayOnly(ledgerAt: directory, scratch: scratch)
    }
default:
    try await appendBenchmark(events: option("--events", 200_000))
    try await replayBenchmark(events: option("--events", 1_000_000))
}
