import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// What an import appended (or would have).
public struct ImportSummary: Sendable, Equatable {
    public var clientsChanged = 0
    public var clientsUnchanged = 0
    public var installmentsChanged = 0
    public var installmentsUnchanged = 0
    public var positions: [UInt64] = []

    public init(clientsChanged: Int = 0, clientsUnchanged: Int = 0, installmentsChanged: Int = 0,
                installmentsUnchanged: Int = 0, positions: [UInt64] = []) {
        self.clientsChanged = clientsChanged
        self.clientsUnchanged = clientsUnchanged
        self.installmentsChanged = installmentsChanged
        self.installmentsUnchanged = installmentsUnchanged
        self.positions = positions
    }
}

/// `aviso import`: clients and installments from the lender's files into ledger events.
/// Both files are read and checked completely before anything is appended; a bad row stops
/// the import with an error naming file, line and column, and nothing is appended.
public enum PortfolioImport {
    public static let clientColumns = ["id", "name", "phone", "phone_country_code", "advisor", "preferred_channel"]
    public static let installmentColumns = ["id", "client_id", "loan_id", "number", "due_date", "amount", "currency", "status"]

    /// `progress` is told rows checked against the read models so far, and how many there are.
    public static func run(clients: URL?, installments: URL?, into store: AvisoStore,
                           actor: String = "import", today: Date = Date(),
                           progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async throws -> ImportSummary {
        let zone = try store.read { try MessagingSettings.current($0).zone }
        let clientEvents = try clients.map { try parseClients(PortfolioFile.rows($0, required: clientRequired), file: $0.lastPathComponent) } ?? []
        let installmentEvents = try installments.map {
            try parseInstallments(PortfolioFile.rows($0, required: installmentRequired), file: $0.lastPathComponent, today: today, timeZone: zone)
        } ?? []
        return try await append(clientEvents, installmentEvents, into: store, actor: actor, progress: progress)
    }

    /// The row-level entry point: rows already in memory (decoded JSON objects, field name →
    /// string or number), checked and appended exactly as a file's would be. `source` names
    /// them in errors. The API's PUT routes import one row this way.
    public static func run(clientObjects: [[String: Any]], installmentObjects: [[String: Any]], source: String,
                           into store: AvisoStore, actor: String, today: Date = Date()) async throws -> ImportSummary {
        let zone = try store.read { try MessagingSettings.current($0).zone }
        let clients = try parseClients(PortfolioFile.objectRows(clientObjects, file: source, required: clientRequired), file: source)
        let installments = try parseInstallments(PortfolioFile.objectRows(installmentObjects, file: source, required: installmentRequired),
                                                 file: source, today: today, timeZone: zone)
        return try await append(clients, installments, into: store, actor: actor)
    }

    static let clientRequired = ["id", "name", "phone"]
    static let installmentRequired = ["id", "client_id", "loan_id", "number", "due_date", "amount"]

    /// Appends what changed, deciding under the ledger's write lock against the read models.
    static func append(_ clientEvents: [ClientUpserted], _ installmentEvents: [(Int, String, InstallmentUpserted)],
                       into store: AvisoStore, actor: String,
                       progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ImportSummary {
        let newClientIds = Set(clientEvents.map(\.id))
        let rows = clientEvents.count + installmentEvents.count
        let tell = { @Sendable (done: Int) in if done % 1_000 == 0 || done == rows { progress?(done, rows) } }

        let box = SummaryBox()
        let positions = try await store.appendDeciding { db in
            var summary = ImportSummary()
            var events: [NewEvent] = []
            var checked = 0
            for client in clientEvents {
                checked += 1
                tell(checked)
                if try ClientRecord.fetchOne(db, key: client.id).map({ same($0, client) }) == true {
                    summary.clientsUnchanged += 1
                } else {
                    summary.clientsChanged += 1
                    events.append(NewEvent(.clientUpserted(client), actor: actor))
                }
            }
            for (line, file, installment) in installmentEvents {
                checked += 1
                tell(checked)
                let clientKnown = try newClientIds.contains(installment.clientIdentifier)
                    || ClientRecord.exists(db, key: installment.clientIdentifier)
                guard clientKnown else {
                    throw ImportError(file: file, line: line, column: "client_id",
                                      message: "client `\(installment.clientIdentifier)` is neither in the clients file nor already imported")
                }
                let existing = try InstallmentRecord.fetchOne(db, key: installment.id)
                if let existing, same(existing, installment) {
                    summary.installmentsUnchanged += 1
                    continue
                }
                summary.installmentsChanged += 1
                if let existing, existing.status != "paid", installment.status == .paid, sameApartFromStatus(existing, installment) {
                    events.append(NewEvent(.installmentPaid(InstallmentPaid(installmentId: installment.id, clientId: installment.clientIdentifier,
                                                                            paidOn: nil)), actor: actor))
                } else {
                    events.append(NewEvent(.installmentUpserted(installment), actor: actor))
                }
            }
            box.summary = summary
            return events
        }
        var summary = box.summary
        summary.positions = positions
        return summary
    }

    static func parseClients(_ rows: [SourceRow], file: String) throws -> [ClientUpserted] {
        var seen: [String: Int] = [:]
        return try rows.map { row in
            let r = RowReader(file: file, row: row)
            let id = try r.required("id")
            if let first = seen[id] { throw r.error("id", "client `\(id)` already appears on line \(first)") }
            seen[id] = row.line
            let country = r.optional("phone_country_code")
            if let country, country.range(of: #"^(\+?[0-9]{1,3}|[A-Za-z]{2})$"#, options: .regularExpression) == nil {
                throw r.error("phone_country_code", "`\(country)` is neither a region code (GT, SV) nor a calling code (502, +503)")
            }
            let link = r.optional("payment_link")
            if let link, URL(string: link)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true {
                throw r.error("payment_link", "must be an http(s) link")
            }
            return ClientUpserted(id: id, name: try r.required("name"), phone: try r.required("phone"),
                                  phoneCountryCode: country, advisor: r.optional("advisor"),
                                  preferredChannel: try r.oneOf("preferred_channel", default: PreferredChannel.whatsapp),
                                  paymentLink: link)
        }
    }

    static func parseInstallments(_ rows: [SourceRow], file: String, today: Date, timeZone: TimeZone) throws -> [(Int, String, InstallmentUpserted)] {
        var seen: [String: Int] = [:]
        return try rows.map { row in
            let r = RowReader(file: file, row: row)
            let id = try r.required("id")
            if let first = seen[id] { throw r.error("id", "installment `\(id)` already appears on line \(first)") }
            seen[id] = row.line
            let numberText = try r.required("number")
            guard let number = Int(numberText), number > 0 else { throw r.error("number", "`\(numberText)` is not a positive whole number") }
            let dueText = try r.required("due_date")
            let due: String
            do {
                due = try DueDateText.parse(dueText, today: today, timeZone: timeZone)
            } catch let invalid as DueDateText.Invalid {
                throw r.error("due_date", invalid.message)
            }
            let amountText = try r.required("amount")
            guard let amount = Money.minorUnits(amountText) else {
                throw r.error("amount", "`\(amountText)` is not an amount like 1250.00 (at most 2 decimals, not negative)")
            }
            let currency = (r.optional("currency") ?? "GTQ").uppercased()
            guard currency.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil else {
                throw r.error("currency", "`\(currency)` is not a 3-letter ISO currency code")
            }
            return (row.line, file, InstallmentUpserted(id: id, clientId: try r.required("client_id"), loanId: try r.required("loan_id"),
                                                        number: number, dueDate: due, amountMinor: amount, currency: currency,
                                                        status: try r.oneOf("status", default: InstallmentStatus.pending)))
        }
    }

    private static func same(_ record: ClientRecord, _ e: ClientUpserted) -> Bool {
        record.name == e.name && record.phone == e.phone && record.phoneCountryCode == e.phoneCountryCode
            && record.advisor == e.advisor && record.preferredChannel == e.preferredChannel.rawValue && record.paymentLink == e.paymentLink
    }

    private static func sameApartFromStatus(_ r: InstallmentRecord, _ e: InstallmentUpserted) -> Bool {
        r.clientId == e.clientIdentifier && r.loanId == e.loanId && r.number == e.number && r.dueDate == e.dueDate
            && r.amountMinor == e.amountMinor && r.currency == e.currency
    }

    private static func same(_ r: InstallmentRecord, _ e: InstallmentUpserted) -> Bool {
        sameApartFromStatus(r, e) && r.status == e.status.rawValue
    }
}

/// Carries the summary out of the deciding closure (which runs on the writer thread).
private final class SummaryBox: @unchecked Sendable {
    var summary = ImportSummary()
}
