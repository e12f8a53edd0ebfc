import AvisoLedger
import Foundation

/// What `backup.json` in a backup says: which ledger state the copy holds, when and by what.
public struct BackupManifest: Codable, Sendable, Equatable {
    public var headPosition: UInt64
    /// The hash of the record at `headPosition`, hex: compare with `aviso verify` of the copy.
    public var headHash: String
    public var takenAt: String
    public var avisoVersion: String
    public var source: String
    public var ledgerBytes: Int64
}

public enum BackupError: Error, CustomStringConvertible, Sendable {
    case destinationNotEmpty(String)
    case destinationIsSource(String)
    case sharedLedger(String)

    public var description: String {
        switch self {
        case let .destinationNotEmpty(path): "\(path) already exists and is not empty; give a new folder for each backup"
        case let .destinationIsSource(path): "\(path) is the data directory being backed up; give another folder"
        case let .sharedLedger(url):
            "the ledger is on PostgreSQL (\(url)): back it up with PostgreSQL's own tools (pg_basebackup, a streaming replica), "
                + "or copy it into a folder with `aviso ledger copy --from URL --to DIR`"
        }
    }
}

/// `aviso backup DEST`: a hot copy of the ledger into `DEST/ledger` plus `DEST/backup.json`.
/// DEST is a data directory in its own right: the read models are not copied (they are a cache
/// of the ledger), `aviso verify --data DEST` or `aviso serve --data DEST` rebuild them.
public enum Backup {
    public static let manifestName = "backup.json"

    public static func take(from source: DataDirectory, to destination: DataDirectory, avisoVersion: String,
                            now: Date = Date()) throws -> BackupManifest {
        if let shared = source.sharedLedger {
            throw BackupError.sharedLedger(shared.description)
        }
        guard destination.url.resolvingSymlinksInPath() != source.url.resolvingSymlinksInPath() else {
            throw BackupError.destinationIsSource(destination.url.path)
        }
        let files = FileManager.default
        if files.fileExists(atPath: destination.url.path),
           try !files.contentsOfDirectory(atPath: destination.url.path).isEmpty {
            throw BackupError.destinationNotEmpty(destination.url.path)
        }
        try files.createDirectory(at: destination.ledger, withIntermediateDirectories: true)
        // Read-only: the backup writes nothing in the live directory and starts no writer.
        let live = try Ledger(readingOnly: source.ledger)
        defer { live.close() }
        try live.copyCompacted(to: destination.ledger)

        // The manifest describes the copy as it is, not the live ledger, which has moved on.
        let copy = try Ledger(readingOnly: destination.ledger)
        let head = try copy.head()
        copy.close()
        let size = (try? files.attributesOfItem(atPath: destination.ledger.appendingPathComponent("data.mdb").path)[.size] as? Int64) ?? 0
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime]
        let manifest = BackupManifest(headPosition: head.position, headHash: head.hash.map { String(format: "%02x", $0) }.joined(),
                                      takenAt: stamp.string(from: now), avisoVersion: avisoVersion, source: source.url.path,
                                      ledgerBytes: size)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(manifest).write(to: destination.url.appendingPathComponent(manifestName), options: .atomic)
        return manifest
    }
}
