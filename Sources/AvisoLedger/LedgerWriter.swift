import Foundation

/// An event on its way into the ledger, with who caused it
/// (a user id, `scheduler`, `webhook:twilio`, `import`, …).
public struct NewEvent: Sendable {
    public var event: LedgerEvent
    public var actor: String

    public init(_ event: LedgerEvent, actor: String) {
        self.event = event
        self.actor = actor
    }
}

/// An event already turned into its stored form (type, version, JSON), ready for the writer.
/// Encoding happens on the caller's thread, so the single writer thread only hashes and puts.
/// Building one validates the event (`EventValidation`): every path into the ledger goes
/// through here, so nothing the catalogue cannot read back is ever appended.
public struct EncodedEvent: Sendable {
    let type: String
    let version: Int
    let actor: String
    let payload: Data

    public init(_ new: NewEvent) throws {
        if let payload = new.event.payload { try EventValidation.check(payload, actor: new.actor) }
        let e = try EventCatalogue.encode(new.event)
        try EventValidation.checkEncoded(type: e.type, version: e.version, payload: e.payload)
        self.init(type: e.type, version: e.version, actor: new.actor, payload: e.payload)
    }

    init(type: String, version: Int, actor: String, payload: Data) {
        self.type = type
        self.version = version
        self.actor = actor
        self.payload = payload
    }
}

/// The last record of the log: its position (0 when empty) and hash.
public struct LedgerHead: Sendable, Equatable {
    public var position: UInt64
    public var hash: Data

    public static let empty = LedgerHead(position: 0, hash: RecordCodec.genesisHash)
}

/// What a deciding closure sees: the head and the records, read inside the write
/// transaction, so nothing can be appended by anyone (any process, any node) while it decides.
public struct LedgerWriteContext {
    let transaction: any LedgerWriteTransaction
    public let head: LedgerHead
    /// Shared by the grouped deciding closures of this transaction (see `DecisionBatch`).
    public let batch: DecisionBatch

    /// Committed records after `position`, in order, at most `limit`.
    public func records(after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        try transaction.records(after: position, limit: limit)
    }
}

/// State shared by the grouped deciding closures of one write transaction
/// (`appendDeciding(grouped: true)`): what the earlier ones decided, which no read model can
/// show yet because nothing is committed, and work to do once per transaction. Touched only
/// on the writer's thread; new for every attempt of a transaction.
public final class DecisionBatch: @unchecked Sendable {
    /// Keys decided by earlier closures of this transaction.
    public var keys: Set<String> = []
    /// Set by the first closure that did the once-per-transaction work (e.g. a catch-up).
    public var prepared = false
}

/// The only thing that appends. One dedicated OS thread owns every write transaction (LMDB's
/// are bound to their thread; PostgreSQL's run on the writer's own connection, blocking on it
/// off the event loop, so deciding closures stay synchronous); appends that arrive while a
/// transaction is being written wait, and then go together in the next one: that is the
/// group commit, on either backend.
final class LedgerWriter: @unchecked Sendable {
    private enum Work {
        case append([EncodedEvent])
        /// `grouped`: may share a transaction with other grouped decisions (group commit);
        /// otherwise it runs alone.
        case decide(@Sendable (LedgerWriteContext) throws -> [EncodedEvent], grouped: Bool)
    }

    private struct Request {
        let work: Work
        let done: CheckedContinuation<[UInt64], Error>
    }

    private let backend: any LedgerBackend
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var stopping = false
    private var finished = false
    /// Appends taken into one transaction at most, so one huge burst can't stall everyone.
    private let maxBatchEvents = 50_000
    /// Grouped decisions taken into one transaction at most.
    private let maxBatchDecisions = 256

    init(backend: any LedgerBackend) {
        self.backend = backend
        let thread = Thread { [self] in run() }
        thread.name = "aviso-ledger-writer"
        thread.start()
    }

    func append(_ events: [EncodedEvent]) async throws -> [UInt64] {
        if events.isEmpty { return [] }
        return try await submit(.append(events))
    }

    func appendDeciding(grouped: Bool = false, _ decide: @escaping @Sendable (LedgerWriteContext) throws -> [NewEvent]) async throws -> [UInt64] {
        try await submit(.decide({ try decide($0).map(EncodedEvent.init) }, grouped: grouped))
    }

    /// As `appendDeciding`, for events the caller encoded (and so validated) on its own thread.
    func appendDecidingEncoded(grouped: Bool, _ decide: @escaping @Sendable (LedgerWriteContext) throws -> [EncodedEvent]) async throws -> [UInt64] {
        try await submit(.decide(decide, grouped: grouped))
    }

    /// Finishes what is queued, then stops the thread. Appends after this fail.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func submit(_ work: Work) async throws -> [UInt64] {
        try await withCheckedThrowingContinuation { done in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                done.resume(throwing: LedgerError.writerStopped)
                return
            }
            queue.append(Request(work: work, done: done))
            condition.signal()
        }
    }

    private func run() {
        while let batch = nextBatch() {
            write(batch)
        }
    }

    /// Waits for work. A deciding request runs alone unless grouped (then with the grouped
    /// ones queued behind it); plain appends are taken together.
    private func nextBatch() -> [Request]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if queue.isEmpty {
            finished = true
            condition.broadcast()
            return nil
        }
        if case let .decide(_, grouped) = queue[0].work {
            guard grouped else { return [queue.removeFirst()] }
            var taken = 1
            while taken < min(queue.count, maxBatchDecisions), case .decide(_, true) = queue[taken].work { taken += 1 }
            let batch = Array(queue.prefix(taken))
            queue.removeFirst(taken)
            return batch
        }
        var taken = 0, count = 0
        while taken < queue.count, case let .append(events) = queue[taken].work,
              count == 0 || count + events.count <= maxBatchEvents {
            count += events.count
            taken += 1
        }
        let batch = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        return batch
    }

    /// The hot loop: one reused buffer, the previous hash kept as bytes, no allocation per record.
    private func appendChained(_ events: [EncodedEvent], after head: LedgerHead, millis: Int64, _ txn: any LedgerWriteTransaction) throws -> LedgerHead {
        var position = head.position
        var previous = [UInt8](head.hash)
        var value: [UInt8] = []
        value.reserveCapacity(1024)
        for event in events {
            position += 1
            value.removeAll(keepingCapacity: true)
            RecordCodec.appendBody(to: &value, millis: millis, type: event.type, schemaVersion: event.version,
                                   actor: event.actor, payload: event.payload)
            let digest = previous.withUnsafeBytes { prev in
                value.withUnsafeBytes { RecordCodec.chainDigest(previous: prev, position: position, body: $0) }
            }
            digest.withUnsafeBytes { digest in
                value.append(contentsOf: digest)
                previous.withUnsafeMutableBytes { $0.copyMemory(from: digest) }
            }
            try value.withUnsafeBytes { try txn.appendRecord(position: position, value: $0) }
        }
        return LedgerHead(position: position, hash: Data(previous))
    }

    private func write(_ batch: [Request]) {
        do {
            let results = try backend.writeTransaction { txn -> [Result<[UInt64], Error>] in
                var head = try txn.head()
                let millis = RecordCodec.millis(Date())
                let shared = DecisionBatch()
                var out: [Result<[UInt64], Error>] = []
                out.reserveCapacity(batch.count)
                for request in batch {
                    let events: [EncodedEvent]
                    switch request.work {
                    case let .append(encoded):
                        events = encoded
                    case let .decide(decide, _):
                        // A decision that fails (or decides something invalid) fails alone:
                        // nothing of it was put yet, and the others in the transaction go on.
                        let keysBefore = shared.keys
                        do {
                            events = try decide(LedgerWriteContext(transaction: txn, head: head, batch: shared))
                        } catch {
                            shared.keys = keysBefore  // what it claimed was never appended
                            out.append(.failure(error))
                            continue
                        }
                    }
                    let first = head.position + 1
                    head = try appendChained(events, after: head, millis: millis, txn)
                    out.append(.success(Array(first..<head.position + 1)))
                }
                try txn.storeHead(head)
                FaultInjection.pauseIfRequested(.insideAppendBeforeCommit, detail: "holding positions up to \(head.position)")
                return out
            }
            for (request, result) in zip(batch, results) { request.done.resume(with: result) }
        } catch {
            for request in batch { request.done.resume(throwing: error) }
        }
    }
}
