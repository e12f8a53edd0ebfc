// pg-ledger-bench: durable appends per second into the PostgreSQL ledger, from one process.
//
//   pg-ledger-bench URL [--events N] [--writers C]
//
// C tasks append one event each, over and over (what webhooks and the scheduler do): the one
// writer thread takes whatever is waiting into one transaction (group commit). Then the same
// events in batches of 100 per append. `run.sh` runs it beside pgbench's insert-only rate on
// the same server, in the same run, and prints the ratio.
import AvisoLedger
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard let url = arguments.first else {
    FileHandle.standardError.write(Data("usage: pg-ledger-bench postgres://USER@HOST:PORT/DB [--events N] [--writers C]\n".utf8))
    exit(2)
}
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}
let events = option("--events", 20_000)
let writers = option("--writers", 64)

func event(_ i: Int) -> NewEvent {
    NewEvent(.deliveryStatusReceived(DeliveryStatusReceived(provider: "twilio", messageId: "SM\(i)", status: .delivered)),
             actor: "webhook:twilio")
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

let ledger = try Ledger(location: .parse(url))
try await ledger.append((0..<100).map(event))  // warm-up: connections, plans

let single = try await seconds {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0..<writers {
            group.addTask {
                for i in stride(from: w, to: events, by: writers) { _ = try await ledger.append([event(i)]) }
            }
        }
        try await group.waitForAll()
    }
}
let batched = try await seconds {
    for start in stride(from: 0, to: events, by: 100) {
        try await ledger.append((start..<min(start + 100, events)).map(event))
    }
}
let head = try ledger.verifyChain()
print(String(format: "single-event appends, %d writers: %.0f appends/s", writers, Double(events) / single))
print(String(format: "batches of 100: %.0f events/s", Double(events) / batched))
print("chain verified: \(head.position) records")
ledger.close()
