import Foundation

/// Test hooks for crash tests, read from the environment: with `AVISO_FAULT_PAUSE=<point>` a
/// real process stops at that point and says so on stderr, so a test can SIGKILL it exactly
/// there. Unset (always, in production), each check is one dictionary lookup.
public enum FaultInjection {
    public enum Point: String, Sendable {
        /// Events committed to LMDB, read models not yet updated.
        case afterLedgerCommit = "after-ledger-commit"
        /// `MessageRendered` recorded, the provider not yet called.
        case afterRender = "after-render"
        /// A provider accepted the message, its `MessageSent` not yet recorded.
        case afterProviderAccepted = "after-provider-accepted"
    }

    public static func pauseIfRequested(_ point: Point, detail: String = "") {
        guard ProcessInfo.processInfo.environment["AVISO_FAULT_PAUSE"] == point.rawValue else { return }
        FileHandle.standardError.write(Data("aviso: paused at \(point.rawValue) \(detail)\n".utf8))
        while true { sleep(60) }
    }
}
