import AvisoLedger
import Foundation
import GRDB

/// A data directory opened without writing a byte: the ledger with `MDB_RDONLY`, the read
/// models with SQLite read-only. `aviso log` and `aviso verify` use it when the directory
/// cannot be written (a read-only mount, a backup copy, missing permissions). The read
/// models are read as they are: nothing can catch them up, so `lag` says how far behind they are.
public final class ReadOnlyStore: Sendable {
    public let directory: DataDirectory
    public let ledger: Ledger
    public let readModels: DatabaseQueue

    public init(directory: DataDirectory) throws {
        self.directory = directory
        ledger = try Ledger(readingOnly: directory.ledgerLocation)
        let path = directory.readModels.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProjectionError.readModelsUnavailable(
                "\(path) does not exist and \(directory.url.path) cannot be written to build it; "
                    + "run `aviso replay` where the directory is writable")
        }
        var config = Configuration()
        config.readonly = true
        // Without a WAL file every committed row is in the main file, and SQLite, which would
        // want to create `-shm` beside it, must be told the file cannot change (immutable).
        // (A libsqlite3 built without URI file names reads the plain path instead.)
        let hasWAL = FileManager.default.fileExists(atPath: path + "-wal")
        readModels = try hasWAL ? DatabaseQueue(path: path, configuration: config)
            : (try? DatabaseQueue(path: "file:\(path)?immutable=1", configuration: config)) ?? DatabaseQueue(path: path, configuration: config)
        let (opened, readModelsURL) = (ledger, directory.readModels)
        try readModels.read { try ReadModelCheckpoint.refuseIfAhead($0, of: opened, readModels: readModelsURL) }
    }

    /// Records the read models have not applied (they cannot be caught up read-only).
    public func lag() throws -> UInt64 {
        let head = try ledger.head().position
        let checkpoint = try readModels.read { try Checkpoint.read($0) }.position
        return head > checkpoint ? head - checkpoint : 0
    }

    public func close() {
        ledger.close()
        try? readModels.close()
    }
}

extension DataDirectory {
    /// The first file or folder of the directory this process may not write (a read-only
    /// file system, or permissions), with the reason; nil when everything present is writable.
    public func unwritablePart() -> String? {
        let parts = [url, ledger, ledger.appendingPathComponent("data.mdb"), ledger.appendingPathComponent("lock.mdb"),
                     readModels, URL(fileURLWithPath: readModels.path + "-wal"), URL(fileURLWithPath: readModels.path + "-shm"),
                     readModelsLock]
        for part in parts where FileManager.default.fileExists(atPath: part.path) {
            if access(part.path, W_OK) != 0 {
                return "\(part.path) cannot be written (\(String(cString: strerror(errno))))"
            }
        }
        return nil
    }
}
