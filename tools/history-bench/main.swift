// history-bench: how history and timeline questions scale with the ledger (tools/history-bench/run.sh).
//
//   history-bench build --data DIR --events N   a mixed ledger: per client its record, 3 installments,
//                                               and 9 messages (rendered, sent, delivered, read)
//   history-bench timeline --data DIR            a message's records through ledger_index, 200 messages: p50/p99
//   history-bench pause --data DIR               pause sending (once), so a server on the ledger decides and sends nothing
import AvisoLedger
import AvisoProjections
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
guard let mode = arguments.first, let data = option("--data") else {
    FileHandle.standardError.write(Data("usage: history-bench build|timeline|pause --data DIR [--events N]\n".utf8))
    exit(2)
}

func events(client i: Int) -> [NewEvent] {
    let id = "C\(i)"
    var out = [NewEvent(.clientUpserted(ClientUpserted(id: id, name: "Cliente \(i)", phone: "5\(String(format: "%07d", i % 10_000_000))",
                                                       phoneCountryCode: "GT", advisor: "Asesor \(i % 40)", preferredChannel: .whatsapp)),
                        actor: "import")]
    for n in 1...3 {
        out.append(NewEvent(.installmentUpserted(InstallmentUpserted(id: "I\(i)-\(n)", clientId: id, loanId: "L\(i)", number: n,
                                                                     dueDate: "2026-\(String(format: "%02d", n + 9))-15",
                                                                     amountMinor: 50_000, currency: "GTQ", status: .pending)), actor: "import"))
    }
    for m in 1...9 {
        let key = "\(id)/I\(i)-\(m % 3 + 1)/D-\(m)", messageId = "wamid.\(i).\(m)"
        out.append(NewEvent(.messageRendered(MessageRendered(messageKey: key, clientId: id, installmentId: "I\(i)-\(m % 3 + 1)", stage: "D-2",
                                                             channel: .whatsapp, text: "Hola Cliente \(i), su cuota vence pronto.")), actor: "scheduler"))
        out.append(NewEvent(.messageSent(MessageSent(messageKey: key, clientId: id, installmentId: "I\(i)-\(m % 3 + 1)", stage: "D-2",
                                                     channel: .whatsapp, provider: "whatsapp", to: "+5025\(i % 10_000_000)", messageId: messageId,
                                                     status: .accepted, dryRun: false, at: Date())), actor: "scheduler"))
        out.append(NewEvent(.deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: messageId, status: .delivered)),
                            actor: "webhook:whatsapp"))
        out.append(NewEvent(.deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: messageId, status: .read)),
                            actor: "webhook:whatsapp"))
    }
    return out
}

let store = try AvisoStore(directory: DataDirectory(path: data))
defer { store.close() }
switch mode {
case "build":
    let target = Int(option("--events") ?? "100000")!
    var client = Int(try store.ledger.head().position) / 40
    var batch: [NewEvent] = []
    while try store.ledger.head().position + UInt64(batch.count) < UInt64(target) {
        batch += events(client: client)
        client += 1
        if batch.count >= 20_000 {
            try await store.append(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    if !batch.isEmpty { try await store.append(batch) }
    print("ledger: \(try store.ledger.head().position) events, \(client) clients")
case "timeline":
    let clients = Int(try store.ledger.head().position) / 40
    var times: [Double] = []
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<200 {
        let i = Int.random(in: 0..<clients, using: &generator), m = Int.random(in: 1...9, using: &generator)
        let start = ContinuousClock.now
        let records = try store.read { try LedgerIndex.message(key: "C\(i)/I\(i)-\(m % 3 + 1)/D-\(m)", messageId: "wamid.\(i).\(m)", ledger: store.ledger, $0) }
        let d = ContinuousClock.now - start
        guard records.count == 4 else { fatalError("message C\(i)/\(m): \(records.count) records") }
        times.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
    }
    times.sort()
    print(String(format: "timeline records of one message: p50 %.2f ms, p99 %.2f ms (200 messages)", times[100], times[197]))
case "pause":
    // The ledger's installments fall due around now: a server's daily run would append reminders
    // to it and change what the next measurement reads.
    if try !store.read({ try MessagingSettings.current($0) }).isPaused {
        try await store.append([NewEvent(.settingsChanged(SettingsChanged(paused: true, pauseReason: "benchmark")), actor: "bench")])
    }
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(2)
}
