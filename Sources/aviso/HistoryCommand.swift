import ArgumentParser
import AvisoLedger
import AvisoProjections
import Foundation

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The ledger's events, oldest first: what happened, when, and who caused it.",
        discussion: """
            Times are local, in the settings' time zone (default America/Guatemala), with their UTC offset. \
            Phone numbers are masked to their last 4 digits unless --unmasked.
            """
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Only events about this client (and its messages' status callbacks).") var client: String?
    @Option(name: .customLong("message-id"), help: "Only events about this provider message id.") var messageId: String?
    @Option(help: "From this instant (ISO 8601).") var since: String?
    @Option(help: "Up to this instant (ISO 8601).") var until: String?
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "Show full phone numbers (masked to the last 4 digits by default).") var unmasked = false

    func run() async throws {
        let filter = HistoryFilter(clientId: client, messageId: messageId,
                                   since: try since.map { try instant($0, "--since") },
                                   until: try until.map { try instant($0, "--until") })
        try data.requireExisting()
        let (records, zone) = try HistoryAnswer.find(filter, in: data.directory)
        let time = HistoryTime(zone: zone)
        for record in records {
            var object = LedgerHistory.json(record)
            object["time"] = time.text(record.time)
            if !unmasked, let payload = object["payload"] as? [String: Any] { object["payload"] = HistoryPhones.masked(payload) }
            if json {
                try printJSONLine(object)
            } else {
                let payload = object["payload"] as? [String: Any] ?? [:]
                let fields = payload.keys.sorted().map { "\($0)=\(payload[$0]!)" }.joined(separator: " ")
                print("\(record.position)\t\(time.text(record.time))\t\(record.type)\t\(record.actor)\t\(fields)")
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

/// An event's time as the lender reads it: local, with the offset that makes it exact
/// (`2026-11-30T16:25:05-06:00`).
struct HistoryTime {
    let formatter: ISO8601DateFormatter

    init(zone: TimeZone) {
        formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = zone
    }

    func text(_ date: Date) -> String { formatter.string(from: date) }
}

/// Payload fields that hold a phone number, masked to the last 4 digits as `aviso log` does.
enum HistoryPhones {
    static let fields: Set<String> = ["to", "from", "phone", "recipient"]

    static func masked(_ payload: [String: Any]) -> [String: Any] {
        var out = payload
        for key in fields {
            if let value = payload[key] as? String { out[key] = Masking.phone(value) }
        }
        return out
    }
}

/// Where history's answer comes from. Everything is opened read-only and nothing is caught up
/// or checked (history writes nothing, and opening costs the same at any ledger size): the
/// read models' `ledger_index` gives the positions up to its checkpoint, the rest is scanned.
/// Without read models (a copied backup) the whole ledger is read.
enum HistoryAnswer {
    static func find(_ filter: HistoryFilter, in directory: DataDirectory) throws -> ([LedgerRecord], TimeZone) {
        if FileManager.default.fileExists(atPath: directory.readModels.path) {
            do {
                return try indexed(filter, in: directory)
            } catch {
                printError("the read models could not be read (\(error)), so history read the whole ledger")
            }
        }
        let ledger = try Ledger(readingOnly: directory.ledgerLocation)
        defer { ledger.close() }
        return (try LedgerHistory.records(ledger, matching: filter), MessagingSettings.defaults.zone)
    }

    private static func indexed(_ filter: HistoryFilter, in directory: DataDirectory) throws -> ([LedgerRecord], TimeZone) {
        let store = try ReadOnlyStore(directory: directory)
        defer { store.close() }
        return try store.readModels.read { db in
            (try LedgerIndex.history(filter, ledger: store.ledger, db), try MessagingSettings.current(db).zone)
        }
    }
}
