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
            // Without a read transaction of its own (GRDB's `read` added BEGIN and COMMIT to
            // every webhook): each statement reads the newest commit, so a key looked up after
            // the checkpoint was read is found in SQLite or in the tail after that checkpoint.
            try pool.unsafeRead { db in
                if !context.batch.prepared {
                    try tail.catchUp(checkpoint: Checkpoint.read(db).position, context)
                    context.batch.prepared = true
                }
                var keys = Set<String>()
                var fresh: [EncodedEvent] = []
                var skipped = 0
                for (group, events) in zip(groups, encoded) {
                    if let key = group.first.flatMap({ IngestionProjection.key($0.event) }) {
                        if keys.contains(key) || context.batch.keys.contains(key) || tail.contains(key) { skipped += 1; continue }
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
/// Called on the ledger's writer, under its write lock, once per transaction (`catchUp`) and
/// once per webhook (`contains`).
final class TailKeys: Sendable {
    private struct State {
        /// Every committed record up to here was decoded.
        var decodedUpTo: UInt64 = 0
        /// Key → the last position it was seen at (some may be at or before `checkpoint`).
        var keys: [String: UInt64] = [:]
        /// The read models' position as this transaction began: keys up to it are in SQLite.
        var checkpoint: UInt64 = 0
        /// How many keys were left at the last pruning.
        var keptAtPrune = 0
    }

    private let state = Mutex(State())

    /// Reads the keys of the records committed since the last transaction, up to the head.
    func catchUp(checkpoint: UInt64, _ context: LedgerWriteContext) throws {
        try state.withLock { state in
            if state.decodedUpTo < checkpoint || state.decodedUpTo > context.head.position {
                state = State(decodedUpTo: checkpoint)  // projector went past us, or a new ledger
            }
            state.checkpoint = checkpoint
            // Pruned when it has doubled, not per transaction: a lagging projector leaves a long tail.
            if state.keys.count > max(1_024, 2 * state.keptAtPrune) {
                state.keys = state.keys.filter { $0.value > checkpoint }
                state.keptAtPrune = state.keys.count
            }
            var after = state.decodedUpTo
            while after < context.head.position {
                let records = try context.records(after: after, limit: 4_096)
                guard let last = records.last else { break }
                for record in records where IngestionProjection.keyedTypes.contains(record.type) {
                    // An undecodable record is no webhook of ours to deduplicate against.
                    if let event = try? record.decodeEvent(), let key = IngestionProjection.key(event) {
                        state.keys[key] = record.position
                    }
                }
                after = last.position
            }
            state.decodedUpTo = after
        }
    }

    /// Whether a record after this transaction's checkpoint has `key`.
    func contains(_ key: String) -> Bool {
        state.withLock { state in (state.keys[key] ?? 0) > state.checkpoint }
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
