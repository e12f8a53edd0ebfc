import AvisoLedger
import AvisoProjections
import Foundation
import Logging
import ServiceLifecycle

/// On a ledger shared by several nodes (PostgreSQL), other nodes append too: this node's read
/// models follow them. Each notification (LISTEN/NOTIFY) nudges the background projector at
/// once; a poll every `pollInterval` is the fallback for a notification missed while the
/// listening connection was down. On LMDB it does nothing (all appends are this machine's).
public struct SharedLedgerFollower: Service {
    let store: AvisoStore
    let projector: BackgroundProjector
    let logger: Logger
    let pollInterval: Duration

    public init(store: AvisoStore, projector: BackgroundProjector, logger: Logger, pollInterval: Duration = .seconds(2)) {
        self.store = store
        self.projector = projector
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        // A service that returns would stop the whole server: without a shared ledger, wait.
        guard store.directory.sharedLedger != nil else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await poll() }
                group.addTask { await listen() }
            }
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: pollInterval)) != nil else { return }
            projector.nudge()
        }
    }

    /// Listens, and listens again (after a pause) whenever the connection drops.
    private func listen() async {
        while !Task.isCancelled {
            do {
                if let heads = try store.ledger.appendNotifications() {
                    for await _ in heads { projector.nudge() }
                }
            } catch {
                logger.warning("cannot listen for appends on the shared ledger; polling meanwhile", metadata: ["error": "\(error)"])
            }
            guard (try? await Task.sleep(for: pollInterval)) != nil else { return }
        }
    }
}
