import ArgumentParser
import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// `--data DIR`, shared by every subcommand: `DIR/ledger/` and `DIR/aviso.sqlite`; with
/// `--ledger postgres://…` the ledger is that shared database and DIR keeps this node's read models.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (env AVISO_DATA).", valueName: "DIR"))
    var data: String = ProcessInfo.processInfo.environment["AVISO_DATA"] ?? "./data"

    @Option(name: .long, help: ArgumentHelp(
        "A ledger on PostgreSQL shared by several nodes, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (env AVISO_LEDGER_URL). "
            + "Without it the ledger is in DIR/ledger.", valueName: "URL"))
    var ledger: String?

    /// `--ledger`, else a non-empty `AVISO_LEDGER_URL`.
    private var ledgerURLText: (text: String, source: String)? {
        if let ledger { return (ledger, "--ledger") }
        guard let env = ProcessInfo.processInfo.environment["AVISO_LEDGER_URL"]?.trimmingCharacters(in: .whitespaces), !env.isEmpty else { return nil }
        return (env, "AVISO_LEDGER_URL")
    }

    /// The shared ledger's URL; a bad one is refused in one sentence naming where it came from.
    func sharedLedger() throws -> PostgresLedgerURL? {
        guard let (text, source) = ledgerURLText else { return nil }
        do {
            return try PostgresLedgerURL(parsing: text)
        } catch {
            throw CommandFailure(message: "\(source): \(error)")
        }
    }

    mutating func validate() throws {
        _ = try sharedLedger()
    }

    var directory: DataDirectory { DataDirectory(path: data, sharedLedger: try? sharedLedger()) }

    /// Refuses, in one sentence, a data directory that holds no ledger: a typo in `--data` or
    /// the wrong working directory must not look like an empty book (nor create one).
    func requireExisting() throws {
        if let missing = directory.missingLedger() {
            throw CommandFailure(message: "\(missing); give the right --data DIR (or AVISO_DATA), or create one with `aviso serve` or `aviso import`")
        }
    }

    /// The store for commands that write. A read-only directory is refused in one sentence;
    /// a damaged `aviso.sqlite` has been rebuilt when this returns, and that is said on stderr.
    /// Unless `creating` (serve, import), a directory without a ledger is refused; when one is
    /// created, `announce` is told where.
    func openStore(creating: Bool = false, announce: (String) -> Void = { _ in }) throws -> AvisoStore {
        if !creating { try requireExisting() }
        let isNew = directory.missingLedger() != nil
        if let part = directory.unwritablePart() {
            throw CommandFailure(message: "\(part); this command must write to the data directory (only `history`, `log` and `verify` work read-only)")
        }
        let store = try AvisoStore(directory: directory)
        if isNew { announce("created a new data directory at \(directory.url.path)") }
        if let repair = store.cacheRepair { printError(repair) }
        return store
    }

    /// For commands that only read the read models: caught up first when the directory can
    /// be written; otherwise read as they are, read-only, saying on stderr when they lag.
    func readModels<T>(_ body: (Database) throws -> T) throws -> T {
        try requireExisting()
        guard let part = directory.unwritablePart() else {
            let store = try openStore()
            defer { store.close() }
            return try store.read(body)
        }
        let store = try ReadOnlyStore(directory: directory)
        defer { store.close() }
        let lag = try store.lag()
        if lag > 0 {
            printError("\(part), so the read models are shown as they are, \(lag) records behind the ledger")
        }
        return try store.readModels.read(body)
    }
}

/// Errors print as one clear line and exit non-zero, without a stack of Swift type names.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = "\(error)" }
    init(message: String) { description = message }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data("aviso: \(text)\n".utf8))
}

func printJSONLine(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}
