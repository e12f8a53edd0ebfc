import ArgumentParser
import AvisoProjections
import Foundation

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the ledger, consistently, while the server runs: DEST becomes a data directory of its own.",
        discussion: """
            DEST must be new or empty. It receives ledger/ (a compacted LMDB copy taken in one read \
            transaction) and backup.json (head position and hash, time, Aviso version). The read models \
            are not copied: `aviso verify --data DEST` checks the copy and rebuilds them. To restore, stop \
            the server, put DEST in place of the data directory, and start it.
            """
    )

    @OptionGroup var data: DataOptions
    @Argument(help: ArgumentHelp("Where to write the backup (a new or empty folder).", valueName: "DEST")) var destination: String
    @Flag(help: "Print the manifest as one JSON object.") var json = false

    func run() async throws {
        try data.requireExisting()
        let started = Date()
        let manifest: BackupManifest
        do {
            manifest = try Backup.take(from: data.directory, to: DataDirectory(path: destination), avisoVersion: AvisoVersion.current)
        } catch {
            throw CommandFailure(message: "backup failed: \(error)")
        }
        if json {
            try printJSONLine(["head_position": manifest.headPosition, "head_hash": manifest.headHash, "taken_at": manifest.takenAt,
                               "aviso_version": manifest.avisoVersion, "ledger_bytes": manifest.ledgerBytes])
            return
        }
        let seconds = Date().timeIntervalSince(started)
        print("backup of \(manifest.headPosition) events (head \(manifest.headHash.prefix(16))…) in \(DataDirectory(path: destination).url.path): "
              + "\(manifest.ledgerBytes / 1024) KiB in \(String(format: "%.2f", seconds)) s")
    }
}
