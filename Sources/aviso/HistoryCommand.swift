import ArgumentParser
import AvisoLedger
import Foundation

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The ledger's events, oldest first: what happened, when, and who caused it."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Only events about this client (and its messages' status callbacks).") var client: String?
    @Option(name: .customLong("message-id"), help: "Only events about this provider message id.") var messageId: String?
    @Option(help: "From this instant (ISO 8601).") var since: String?
    @Option(help: "Up to this instant (ISO 8601).") var until: String?
    @Flag(help: "One JSON object per line.") var json = false

    func run() async throws {
        let filter = HistoryFilter(clientId: client, messageId: messageId,
                                   since: try since.map { try instant($0, "--since") },
                                   until: try until.map { try instant($0, "--until") })
        let ledger = try Ledger(directory: data.directory.ledger)
        defer { ledger.close() }
        let records = try LedgerHistory.records(ledger, matching: filter)
        for record in records {
            if json {
                try printJSONLine(LedgerHistory.json(record))
            } else {
                let payload = LedgerHistory.json(record)["payload"] as? [String: Any] ?? [:]
                let fields = payload.keys.sorted().map { "\($0)=\(payload[$0]!)" }.joined(separator: " ")
                print("\(record.position)\t\(Timestamps.utc(record.time))\t\(record.type)\t\(record.actor)\t\(fields)")
            }
        }
        if !json && records.isEmpty { print("(no events)") }
    }

    private func instant(_ text: String, _ option: String) throws -> Date {
        if let date = Timestamps.parseUTC(text) { return date }
        if let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        throw ValidationError("\(option) `\(text)` is not an ISO 8601 instant like 2026-11-26T15:00:00Z")
    }
}
