import AvisoLedger
import AvisoProjections
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Where webhook handlers put events. Returning means the events are durable.
public protocol EventSink: Sendable {
    /// Appends every group whose first event is not already in the ledger (by
    /// `IngestionProjection.key`), in one transaction.
    func ingest(_ groups: [[NewEvent]]) async throws -> IngestOutcome
}

public struct IngestOutcome: Sendable, Equatable {
    /// Events appended.
    public var appended: Int
    /// Groups left out because the ledger already had them (a provider's retry).
    public var duplicates: Int
}

/// Appends to the ledger and returns at the commit (the durability point). Whether a status
/// was seen before is decided under the ledger's write lock, with the read models caught up
/// to the head first: a retry, whether it comes after a restart or at the same moment as
/// the original, finds the original's key and appends nothing. The rest of the projection
/// runs behind, in the `BackgroundProjector`.
public struct LedgerEventSink: EventSink {
    let store: AvisoStore
    let projector: BackgroundProjector
    private let tail = TailKeys()

    public init(store: AvisoStore, projector: BackgroundProjector) {
        self.store = store
        self.projector = projector
    }

    public func ingest(_ groups: [[NewEvent]]) async throws -> IngestOutcome {
        guard !groups.isEmpty else { return IngestOutcome(appended: 0, duplicates: 0) }
        let pool = store.readModels
        let duplicates = Counter()
        // Grouped: the webhooks arriving together share one transaction and one disk sync.
        // A key was seen if the read models have it, or if it is in the ledger's tail the
        // background projector has not reached yet (read here, under the write lock, once per
        // transaction: no SQLite write while the lock is held), or if an earlier request of
        // this same transaction appended it (`context.batch.keys`).
        // Encoded (and validated) here, on this request's thread, not on the writer's.
        let encoded = try groups.map { try $0.map(EncodedEvent.init) }
        let positions = try await store.ledger.appendDecidingEncoded(grouped: true) { context in
            try pool.read { db in
                if !context.batch.prepared {
                    context.batch.keys.formUnion(try tail.keys(after: Checkpoint.read(db).position, context))
                    context.batch.prepared = true
                }
                var keys = Set<String>()
                var fresh: [EncodedEvent] = []
                var skipped = 0
                for (group, events) in zip(groups, encoded) {
                    if let key = group.first.flatMap({ IngestionProjection.key($0.event) }) {
                        if keys.contains(key) || context.batch.keys.contains(key) { skipped += 1; continue }
                        if try IngestionProjection.seen(key, db) { skipped += 1; continue }
                        keys.insert(key)
                    }
                    fresh += events
                }
                duplicates.set(skipped)  // `decide` may run again: the last run counts
                context.batch.keys.formUnion(keys)
                return fresh
            }
        }
        if !positions.isEmpty { projector.nudge() }
        return IngestOutcome(appended: positions.count, duplicates: duplicates.get())
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func set(_ n: Int) { value.withLock { $0 = n } }
        func get() -> Int { value.withLock { $0 } }
    }
}

/// Dedup keys of the committed records the read models have not reached yet, decoded once
/// each and remembered until the read models include them: under load the background
/// projector runs behind, and each transaction then decodes only what is new since the last.
final class TailKeys: Sendable {
    private struct State {
        /// Every committed record up to here was decoded.
        var decodedUpTo: UInt64 = 0
        /// Key → the last position it was seen at, for positions after the read models'.
        var keys: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    /// The keys of the records after `checkpoint` (the read models' position), up to the head.
    func keys(after checkpoint: UInt64, _ context: LedgerWriteContext) throws -> Set<String> {
        try state.withLock { state in
            if state.decodedUpTo < checkpoint || state.decodedUpTo > context.head.position {
                state = State(decodedUpTo: checkpoint)  // projector went past us, or a new ledger
            }
            state.keys = state.keys.filter { $0.value > checkpoint }
            var after = state.decodedUpTo
            while after < context.head.position {
                let records = try context.records(after: after, limit: 4_096)
                guard let last = records.last else { break }
                for record in records {
                    // An undecodable record is no webhook of ours to deduplicate against.
                    if let event = try? record.decodeEvent(), let key = IngestionProjection.key(event) {
                        state.keys[key] = record.position
                    }
                }
                after = last.position
            }
            state.decodedUpTo = after
            return Set(state.keys.keys)
        }
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
