import AvisoProjections
import Foundation
import Logging
import ServiceLifecycle

/// Catches the read models up whenever nudged, on its own queue (SQLite writes block),
/// coalescing nudges that arrive while it works, and at most every `pause`: under load it
/// then works in larger batches (fewer transactions, checkpoint writes and anchor checks).
/// On graceful shutdown it projects what is left, once, and stops.
///
/// It runs at normal priority on purpose. Run at a raised nice value it fell behind under
/// load, and a scheduler decision that found more than 4,096 records past the read models
/// caught up under the ledger's lock, waiting on the starved projector's SQLite transaction:
/// webhooks stalled for seconds (p99 1.8 s in `during-run.sh`'s first phase).
public final class BackgroundProjector: Service, Sendable {
    private let store: AvisoStore
    private let logger: Logger
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let queue = DispatchQueue(label: "aviso.projector")
    /// The least time between two nudged catch-ups.
    static let pause = Duration.milliseconds(20)

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
            try? await Task.sleep(for: Self.pause)
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
