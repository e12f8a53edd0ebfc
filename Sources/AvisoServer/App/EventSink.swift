import AvisoLedger
import AvisoProjections
import Foundation
import Logging
import ServiceLifecycle

/// Where webhook handlers put events. Returning means the events are durable.
public protocol EventSink: Sendable {
    @discardableResult
    func append(_ events: [NewEvent]) async throws -> [UInt64]
}

/// Appends to the ledger and returns at the commit (the durability point), without waiting
/// for SQLite: the `BackgroundProjector` brings the read models up behind it. This keeps a
/// webhook's answer as fast as a group-committed LMDB write, while the projection of many
/// callbacks is batched into few SQLite transactions.
public struct LedgerEventSink: EventSink {
    let ledger: Ledger
    let projector: BackgroundProjector

    public init(ledger: Ledger, projector: BackgroundProjector) {
        self.ledger = ledger
        self.projector = projector
    }

    public func append(_ events: [NewEvent]) async throws -> [UInt64] {
        let positions = try await ledger.append(events)
        projector.nudge()
        return positions
    }
}

/// Catches the read models up whenever nudged, on its own thread (SQLite writes block),
/// coalescing nudges that arrive while it works. On graceful shutdown it projects what is
/// left, once, and stops.
public final class BackgroundProjector: Service, Sendable {
    private let store: AvisoStore
    private let logger: Logger
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let queue = DispatchQueue(label: "aviso.projector")

    public init(store: AvisoStore, logger: Logger) {
        self.store = store
        self.logger = logger
        (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    public func nudge() {
        continuation.yield()
    }

    public func run() async throws {
        continuation.yield()
        for await _ in stream.cancelOnGracefulShutdown() {
            await catchUp()
        }
        await catchUp()
    }

    /// One catch-up off the cooperative pool. Errors are logged; the next nudge retries.
    public func catchUp() async {
        let store = self.store
        let logger = self.logger
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                do {
                    try store.catchUp()
                } catch {
                    logger.error("projection catch-up failed; will retry", metadata: ["error": "\(error)"])
                }
                done.resume()
            }
        }
    }
}

/// Closes the ledger (finishing queued appends) after everything that writes has stopped:
/// listed first in the service group, it shuts down last.
struct StoreService: Service {
    let store: AvisoStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        store.close()
        logger.info("ledger closed")
    }
}
