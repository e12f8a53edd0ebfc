import ArgumentParser
import AvisoPortfolio
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import clients and/or installments (CSV with a header row, or a JSON array).",
        discussion: """
            clients: id,name,phone,phone_country_code,advisor,preferred_channel[,payment_link]
            installments: id,client_id,loan_id,number,due_date,amount,currency,status
            Unchanged rows append nothing. A bad row stops the import (file, line, column) and nothing is appended.
            """
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Clients file (.csv or .json).") var clients: String?
    @Option(help: "Installments file (.csv or .json).") var installments: String?

    func validate() throws {
        if clients == nil && installments == nil {
            throw ValidationError("give --clients FILE, --installments FILE, or both")
        }
    }

    func run() async throws {
        let store = try data.openStore(creating: true) { print($0) }
        defer { store.close() }
        do {
            // Rows checked against what is already imported: a bar on a terminal, nothing otherwise.
            let bar = SteppedProgress("import")
            defer { bar?.finish() }
            let progress: (@Sendable (Int, Int) -> Void)? = bar.map { bar in
                { @Sendable done, total in bar.update(step: "checking rows", done: done, total: total) }
            }
            let summary = try await PortfolioImport.run(clients: clients.map { URL(fileURLWithPath: $0) },
                                                        installments: installments.map { URL(fileURLWithPath: $0) },
                                                        into: store, progress: progress)
            bar?.finish()
            print("clients: \(summary.clientsChanged) appended, \(summary.clientsUnchanged) unchanged")
            print("installments: \(summary.installmentsChanged) appended, \(summary.installmentsUnchanged) unchanged")
            if let last = summary.positions.last { print("ledger head: \(last)") }
        } catch let error as ImportError {
            throw CommandFailure(message: "import refused, nothing appended: \(error)")
        }
    }
}
