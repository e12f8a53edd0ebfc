import Foundation

/// Test hooks for crash tests, read from the environment: with `AVISO_FAULT_PAUSE=<point>` a
/// real process stops at that point and says so on stderr, so a test can SIGKILL it exactly
/// there. Read once per process (building the environment's dictionary on every check was 2 % of a
/// webhook's cost); unset (always, in production), each check is one comparison.
public enum FaultInjection {
    public enum Point: String, Sendable {
        /// Events committed to LMDB, read models not yet updated.
        case afterLedgerCommit = "after-ledger-commit"
        /// `MessageRendered` recorded, the provider not yet called.
        case afterRender = "after-render"
        /// A provider accepted the message, its `MessageSent` not yet recorded.
        case afterProviderAccepted = "after-provider-accepted"
        /// Inside the ledger's write transaction: records put, not yet committed (the write
        /// lock held). With `AVISO_FAULT_RELEASE=<file>` the writer goes on once that file exists.
        case insideAppendBeforeCommit = "inside-append-before-commit"
    }

    private static let requested = ProcessInfo.processInfo.environment["AVISO_FAULT_PAUSE"].flatMap(Point.init(rawValue:))

    public static func pauseIfRequested(_ point: Point, detail: String = "") {
        guard let requested, requested == point else { return }
        FileHandle.standardError.write(Data("aviso: paused at \(point.rawValue) \(detail)\n".utf8))
        let release = ProcessInfo.processInfo.environment["AVISO_FAULT_RELEASE"]
        while true {
            if let release, FileManager.default.fileExists(atPath: release) { return }
            usleep(release == nil ? 60_000_000 : 20_000)
        }
    }
}
