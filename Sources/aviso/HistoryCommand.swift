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
        // Read-only (MDB_RDONLY): history writes nothing, so it works on a read-only directory.
        let records: [LedgerRecord]
        do {
            let ledger = try Ledger(readingOnly: data.directory.ledger)
            defer { ledger.close() }
            records = try LedgerHistory.records(ledger, matching: filter)
        } catch LedgerError.notFound {
            records = []
        }
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

    /// An instant, or a day (its midnight UTC), strictly: `2026-12-01T25:61:00Z` is refused.
    private func instant(_ text: String, _ option: String) throws -> Date {
        do {
            return try StrictInstant.parse(text, allowDay: true)
        } catch {
            throw ValidationError("\(option) \(error)")
        }
    }
}
