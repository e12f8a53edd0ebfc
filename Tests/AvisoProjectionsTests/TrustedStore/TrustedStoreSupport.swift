@testable import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import GRDB
import Testing

/// The ledger backends the trusted stores' tests run on (issue 17): each test takes one as its
/// argument: how to make an empty data directory on it, and what a child process needs in its
/// environment and arguments to use it.
enum LedgerBackendUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case lmdb
    /// A fresh database on the tests' own PostgreSQL cluster (`PostgresTestServer`).
    case postgres

    var testDescription: String { rawValue }

    /// A fresh, empty data directory on this backend. On PostgreSQL the folder holds only the
    /// read models of the process that uses it; the ledger is a new database.
    func makeDirectory() throws -> DataDirectory {
        switch self {
        case .lmdb: return makeDataDirectory()
        case .postgres:
            let url = try PostgresLedgerURL(parsing: try PostgresTestServer.freshDatabaseURL())
            return DataDirectory(makeDataDirectory().url, sharedLedger: url)
        }
    }

    /// What `aviso` and `ledger-stress` need in their environment to use `directory`'s ledger.
    /// The tests' cluster trusts loopback, so the URL carries no password to mask.
    func environment(_ directory: DataDirectory) -> [String: String] {
        switch self {
        case .lmdb: [:]
        case .postgres: ["AVISO_LEDGER_URL": directory.sharedLedger!.description]
        }
    }

    /// The `--data` folder for one more process on `directory`'s ledger: on LMDB the directory
    /// itself (the ledger is in it); on PostgreSQL a new folder of its own, as another node
    /// with its own read models that catches up from the shared log.
    func processFolder(_ directory: DataDirectory) throws -> String {
        switch self {
        case .lmdb: return directory.url.path
        case .postgres:
            let folder = directory.url.appendingPathComponent("node-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return folder.path
        }
    }

    /// Whether copying the ledger's files while a writer runs shows what a disk that dropped
    /// unsynced writes may hold. Not on PostgreSQL: its files are the server's, and its own
    /// write-ahead log and fsync are what make a committed transaction durable; a copy of them
    /// taken from outside would test PostgreSQL, not Aviso.
    var hasLedgerFilesToCopy: Bool { self == .lmdb }

    /// Copies the ledger's files as they are this moment, while a writer may be running: what a
    /// disk that dropped the writes not yet synced may hold (LMDB only: `hasLedgerFilesToCopy`).
    func copyLedgerFiles(of directory: DataDirectory, to copy: DataDirectory) throws {
        try FileManager.default.createDirectory(at: copy.ledger, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: directory.ledger.appendingPathComponent("data.mdb"),
                                         to: copy.ledger.appendingPathComponent("data.mdb"))
    }

    /// Every record, oldest first, read through a ledger opened only for this.
    func records(_ directory: DataDirectory) throws -> [LedgerRecord] {
        let ledger = try Ledger(readingOnly: directory.ledgerLocation)
        defer { ledger.close() }
        var records: [LedgerRecord] = []
        try ledger.forEachRecord { records.append($0) }
        return records
    }

    /// The read models' own claim checked against the ledger (`ReadModelCheckpoint`), as every
    /// open does; returns the read models' checkpoint position.
    func readModelCheckpoint(_ directory: DataDirectory) throws -> UInt64 {
        let ledger = try Ledger(readingOnly: directory.ledgerLocation)
        defer { ledger.close() }
        let queue = try DatabaseQueue(path: directory.readModels.path)
        defer { try? queue.close() }
        return try queue.read { db in
            try ReadModelCheckpoint.refuseIfAhead(db, of: ledger, readModels: directory.readModels)
            return try Checkpoint.read(db).position
        }
    }
}

/// A data directory on a backend holding clients C1…Cn, and a scratch folder beside it for keys,
/// release files and copies.
struct TrustedStoreFixture {
    let directory: DataDirectory
    let scratch: URL

    init(_ backend: LedgerBackendUnderTest, clients: Int) async throws {
        directory = try backend.makeDirectory()
        scratch = try makeScratchFolder()
        let store = try AvisoStore(directory: directory)
        try await store.append((1...clients).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
        store.close()
    }

    var data: String { directory.url.path }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory.url)
        try? FileManager.default.removeItem(at: scratch)
    }
}

/// A child process still running, with what it has written so far.
final class RunningChild: @unchecked Sendable {
    let process: Process
    private let out: Pipe
    private let err: Pipe
    private var stdoutText = ""
    private var stderrText = ""

    init(_ executable: URL, _ arguments: [String], environment: [String: String]) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        out = Pipe()
        err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runSerialized()
    }

    static func aviso(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningChild {
        try RunningChild(builtExecutable("aviso"), arguments, environment: environment)
    }

    static func stress(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningChild {
        try RunningChild(builtExecutable("ledger-stress"), arguments, environment: environment)
    }

    /// Reads stderr until it contains `text`; false when the process closed it first.
    func waitForStderr(containing text: String) -> Bool {
        while !stderrText.contains(text) {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            stderrText += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    /// Reads stdout until it holds `count` complete lines starting with `prefix`; false at its end.
    func waitForLines(_ count: Int, startingWith prefix: String) -> Bool {
        while stdoutText.split(separator: "\n").filter({ $0.hasPrefix(prefix) }).count < count || !stdoutText.hasSuffix("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            stdoutText += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// `finish`, but a process still running after `patience` is killed and recorded as an
    /// issue: a reader that waits on a held write would otherwise hang the suite, not fail it.
    func finish(orKillAfter patience: Duration, _ why: String) -> ProcessResult {
        let process = self.process
        let watchdog = Task.detached {
            try await Task.sleep(for: patience)
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
        let result = finish()
        watchdog.cancel()
        if result.status == -SIGKILL { Issue.record("killed after \(patience): \(why)") }
        return result
    }

    /// Waits for the end; everything it wrote.
    func finish() -> ProcessResult {
        stdoutText += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        stderrText += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return ProcessResult(status: process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus,
                             stdout: stdoutText, stderr: stderrText)
    }
}

/// A fresh temporary folder outside any data directory (keys, release files, CSVs).
func makeScratchFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-trusted-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The client id of a `ClientUpserted` record, nil for other records.
func clientId(of record: LedgerRecord) -> String? {
    guard record.type == "ClientUpserted",
          let object = try? JSONSerialization.jsonObject(with: record.payload) as? [String: Any] else { return nil }
    return object["id"] as? String
}
