import ArgumentParser
import AvisoLedger
import Foundation

/// `aviso ledger …`: operations on the log itself, whatever backend holds it.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Operations on the ledger itself (copy between LMDB and PostgreSQL).",
        subcommands: [LedgerCopyCommand.self]
    )
}

struct LedgerCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole ledger into an empty one, record for record, and verify both.",
        discussion: """
            SRC and DST are each a data directory (its ledger/ is used), an LMDB ledger folder, or a \
            postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE URL. DST must be empty (a new folder, or a database \
            without Aviso records). The records are copied byte for byte, so the hash chain and every \
            signed checkpoint stay valid; both sides are verified afterwards. Stop the nodes that write \
            to SRC first, or the copy ends at the head it saw.
            """
    )

    @Option(help: ArgumentHelp("The ledger to copy.", valueName: "SRC")) var from: String
    @Option(help: ArgumentHelp("The empty ledger to copy into.", valueName: "DST")) var to: String

    func run() async throws {
        let source = try Self.location(from, option: "--from", existing: true)
        let destination = try Self.location(to, option: "--to", existing: false)
        guard source != destination else { throw CommandFailure(message: "--from and --to are the same ledger (\(source))") }
        do {
            let sourceLedger = try Ledger(readingOnly: source)
            defer { sourceLedger.close() }
            let destinationLedger = try Ledger(location: destination)
            defer { destinationLedger.close() }
            let started = Date()
            let head = try LedgerCopy.copy(from: sourceLedger, to: destinationLedger)
            let hash = head.hash.prefix(8).map { String(format: "%02x", $0) }.joined()
            print("copied \(head.position) records from \(source) to \(destination) in "
                  + "\(String(format: "%.2f", Date().timeIntervalSince(started))) s; both verify, head \(hash)…")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(message: "ledger copy failed: \(error)")
        }
    }

    /// A postgres:// URL, or a folder: a data directory's `ledger/`, or an LMDB folder itself.
    static func location(_ text: String, option: String, existing: Bool) throws -> LedgerLocation {
        let parsed: LedgerLocation
        do {
            parsed = try LedgerLocation.parse(text)
        } catch {
            throw CommandFailure(message: "\(option): \(error)")
        }
        guard case let .directory(folder) = parsed else { return parsed }
        let files = FileManager.default
        if files.fileExists(atPath: folder.appendingPathComponent("data.mdb").path) { return parsed }
        let inside = folder.appendingPathComponent("ledger", isDirectory: true)
        if existing, !files.fileExists(atPath: inside.appendingPathComponent("data.mdb").path) {
            throw CommandFailure(message: "\(option): \(folder.path) holds no Aviso ledger (neither data.mdb nor ledger/data.mdb)")
        }
        return .directory(inside)
    }
}
