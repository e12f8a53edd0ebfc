import AvisoProjections
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Catches the read models up whenever nudged, coalescing nudges that arrive while it works.
/// On graceful shutdown it projects what is left, once, and stops.
///
/// The webhooks' durable appends come first on two cores: the nudged catch-ups run on a
/// thread of lower CPU priority (`LowPriorityThread`), at most every `pause`, so under load
/// the projector works in larger batches in the gaps (its lag shows in `/metrics`). A
/// catch-up someone waits for (a session lookup, `catchUp()`) runs at normal priority.
public final class BackgroundProjector: Service, Sendable {
    private let store: AvisoStore
    private let logger: Logger
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let urgent = DispatchQueue(label: "aviso.projector")
    private let background = LowPriorityThread(niceness: 10)
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
            await catchUp(on: background)
            try? await Task.sleep(for: Self.pause)
        }
        await catchUp()
    }

    /// One catch-up off the cooperative pool, at normal priority. Errors are logged; the next
    /// nudge retries.
    public func catchUp() async {
        await catchUp(on: urgent)
    }

    private func catchUp(on runner: some JobRunner) async {
        let store = self.store
        let logger = self.logger
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            runner.run {
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

protocol JobRunner {
    func run(_ job: @escaping @Sendable () -> Void)
}

extension DispatchQueue: JobRunner {
    func run(_ job: @escaping @Sendable () -> Void) { async(execute: job) }
}

/// Runs jobs in order on a thread whose nice value is raised (Linux applies `setpriority` to
/// the calling thread only). The thread ends when it runs out of work and a new one starts
/// with the next job, so an idle server keeps no thread, and a raised nice value (which an
/// unprivileged process cannot lower again) never leaks into a shared pool.
final class LowPriorityThread: JobRunner, Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var running = false
    }

    private let state = Mutex(State())
    private let niceness: Int32

    init(niceness: Int32) {
        self.niceness = niceness
    }

    func run(_ job: @escaping @Sendable () -> Void) {
        let start = state.withLock { state -> Bool in
            state.jobs.append(job)
            defer { state.running = true }
            return !state.running
        }
        if start {
            let niceness = self.niceness
            Thread.detachNewThread { [self] in
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
                while let next = state.withLock({ state -> (@Sendable () -> Void)? in
                    guard !state.jobs.isEmpty else { state.running = false; return nil }
                    return state.jobs.removeFirst()
                }) {
                    next()
                }
            }
        }
    }
}
