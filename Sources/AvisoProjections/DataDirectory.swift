import AvisoLedger
import Foundation

/// The layout of an Aviso data directory: `ledger/` (LMDB, the truth) and `aviso.sqlite`
/// (read models, a cache of the ledger), plus the lock that keeps replay from swapping the
/// SQLite file under a running process.
public struct DataDirectory: Sendable {
    public let url: URL
    /// A ledger shared by several nodes on PostgreSQL (`--ledger` / `AVISO_LEDGER_URL`): then
    /// `ledger/` is not used, and this folder holds only the node's read models (a local cache
    /// projected from the shared log), its lock and its checkpoints.
    public let sharedLedger: PostgresLedgerURL?

    public init(_ url: URL, sharedLedger: PostgresLedgerURL? = nil) {
        self.url = url.standardizedFileURL
        self.sharedLedger = sharedLedger
    }

    public init(path: String, sharedLedger: PostgresLedgerURL? = nil) {
        self.init(URL(fileURLWithPath: path), sharedLedger: sharedLedger)
    }

    /// Where this directory's ledger is: the shared PostgreSQL one, or LMDB in `ledger/`.
    public var ledgerLocation: LedgerLocation {
        sharedLedger.map { .postgres($0) } ?? .directory(ledger)
    }

    public var ledger: URL { url.appendingPathComponent("ledger", isDirectory: true) }
    public var readModels: URL { url.appendingPathComponent("aviso.sqlite") }
    public var readModelsLock: URL { url.appendingPathComponent("aviso.sqlite.lock") }
    /// Signed checkpoints (`aviso checkpoint`): their own files, never derived from the read models.
    public var checkpoints: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }

    /// Why this is not an existing data directory (no such directory, or no ledger in it);
    /// nil when its ledger is there.
    /// With a shared ledger the folder is a cache, created when first used: never missing.
    public func missingLedger() -> String? {
        if sharedLedger != nil { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "there is no data directory at \(url.path)"
        }
        guard FileManager.default.fileExists(atPath: ledger.appendingPathComponent("data.mdb").path) else {
            return "\(url.path) holds no Aviso ledger"
        }
        return nil
    }

    public func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
}

/// An advisory lock (flock) on the read models. Every process that opens them holds it
/// shared; `aviso replay` needs it exclusively before swapping the file.
public final class ReadModelLock: Sendable {
    private let fd: Int32

    public enum Mode: Sendable { case shared, exclusive }

    /// Takes the lock, or returns nil when another process holds it in a conflicting mode.
    public init?(_ directory: DataDirectory, mode: Mode) throws {
        try directory.create()
        let fd = open(directory.readModelsLock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory.readModelsLock.path])
        }
        if flock(fd, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Trades a shared hold for an exclusive one when no other process holds the lock.
    func tryExclusive() -> Bool {
        flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    func backToShared() {
        flock(fd, LOCK_SH)
    }
}

/// Runs `body` holding an exclusive flock on `path` (waiting for it), across processes.
func withExclusiveFileLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
        guard errno == EINTR else { throw CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: path]) }
    }
    defer { flock(fd, LOCK_UN) }
    return try body()
}
