import ArgumentParser
import AvisoLedger
import AvisoProjections
import AvisoServer
import Foundation
import GRDB

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Rows of notifications_log: what was sent to whom and what became of it."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Only this client.") var client: String?
    @Option(help: "Only this status (rendered, accepted, sent, delivered, read, failed, skipped…).") var status: String?
    @Option(help: "Only this stage (D-2, WEEKLY_3…).") var stage: String?
    @Option(help: "At most this many rows, newest first.") var limit: Int = 200
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "Show full phone numbers (masked to the last 4 digits by default).") var unmasked = false
    @Flag(help: "CSV as the console exports it (numbers masked; with --unmasked in full, recorded in the ledger).") var csv = false

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
        if csv, json { throw ValidationError("--csv cannot be combined with --json") }
    }

    func run() async throws {
        let rows = try data.readModels { db in
            var request = NotificationRecord.order(Column("id").desc).limit(limit)
            if let client { request = request.filter(Column("client_id") == client) }
            if let status { request = request.filter(Column("status") == status) }
            if let stage { request = request.filter(Column("stage") == stage) }
            return try request.fetchAll(db)
        }
        if csv {
            let (names, zone) = try data.readModels { db in
                (Dictionary(try ClientRecord.fetchAll(db).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }),
                 try MessagingSettings.current(db).zone)
            }
            // A CSV with full numbers leaves the machine as a file: who asked, when and for
            // what is recorded first (so it needs a writable data directory).
            if unmasked { try await recordUnmaskedExport(rows: rows.count) }
            print(MessageLogCSV.text(rows, names: names, zone: zone, unmasked: unmasked), terminator: "")
            return
        }
        let phone = { (raw: String?) in raw.map { unmasked ? $0 : Masking.phone($0) } ?? "" }
        if json {
            for row in rows {
                try printJSONLine([
                    "id": row.id ?? 0, "messageKey": row.messageKey, "clientId": row.clientId, "installmentId": row.installmentId ?? NSNull(),
                    "stage": row.stage, "channel": row.channel ?? NSNull(), "provider": row.provider ?? NSNull(),
                    "to": row.toE164.map { _ in phone(row.toE164) } ?? NSNull(), "status": row.status,
                    "messageId": row.messageId ?? NSNull(), "errorCode": row.errorCode ?? NSNull(), "dryRun": row.dryRun,
                    "test": row.test, "createdAt": row.createdAt, "updatedAt": row.updatedAt,
                    "notBefore": row.notBefore ?? NSNull(),
                ] as [String: Any])
            }
            return
        }
        if rows.isEmpty { print("(no messages)"); return }
        printTable(rows, phone: phone)
    }

    private func recordUnmaskedExport(rows: Int) async throws {
        var filters = ["limit": String(limit)]
        if let client { filters["client"] = client }
        if let status { filters["status"] = status }
        if let stage { filters["stage"] = stage }
        let store = try data.openStore()
        defer { store.close() }
        try await store.append(.unmaskedLogExported(UnmaskedLogExported(filters: filters, rows: rows, via: "cli")), actor: "cli")
    }

    private func printTable(_ rows: [NotificationRecord], phone: (String?) -> String) {
        print(["ID", "CREATED", "CLIENT", "STAGE", "CHANNEL", "TO", "STATUS", "CODE", "MESSAGE ID"].joined(separator: "\t"))
        for row in rows {
            print([String(row.id ?? 0), row.createdAt, row.clientId, row.stage, row.channel ?? "-", phone(row.toE164),
                   row.status + (row.dryRun ? " (dry-run)" : "") + (row.status == "deferred" ? " until \(row.notBefore ?? "?")" : ""),
                   row.errorCode ?? "", row.messageId ?? ""].joined(separator: "\t"))
        }
    }
}
