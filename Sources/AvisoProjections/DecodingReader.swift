import AvisoLedger
import Foundation

/// Reads ledger records on its own thread, a few chunks ahead, and decodes each chunk on
/// every core, so that a replay decodes JSON while one thread writes SQLite.
final class DecodingReader: @unchecked Sendable {
    /// A record that fails to decode travels as its error: the applier notes it and goes on.
    typealias Chunk = [(record: LedgerRecord, event: Result<LedgerEvent, any Error>)]
    typealias Decode = @Sendable (LedgerRecord) throws -> LedgerEvent

    private let condition = NSCondition()
    private var ready: [Chunk] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false

    init(ledger: Ledger, after position: UInt64, chunkSize: Int = 2_000, ahead: Int = 8,
         decode: @escaping Decode = { try $0.decodeEvent() }) {
        let thread = Thread { [self] in
            var next = position
            do {
                while true {
                    let records = try ledger.records(after: next, limit: chunkSize)
                    guard let last = records.last else { break }
                    let chunk = Self.decodeAll(records, decode)
                    condition.lock()
                    while ready.count >= ahead && !cancelled { condition.wait() }
                    let stop = cancelled
                    if !stop { ready.append(chunk) }
                    condition.broadcast()
                    condition.unlock()
                    if stop { break }
                    next = last.position
                }
            } catch {
                condition.lock()
                failure = error
                condition.unlock()
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "aviso-replay-decoder"
        thread.start()
    }

    /// Decodes a chunk on every core, keeping log order.
    static func decodeAll(_ records: [LedgerRecord], _ decode: Decode) -> Chunk {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, records.count / 256)
        guard workers > 1 else { return records.map { record in (record, Result { try decode(record) }) } }
        var events = [Result<LedgerEvent, any Error>?](repeating: nil, count: records.count)
        events.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in (records.count * worker / workers)..<(records.count * (worker + 1) / workers) {
                    slots.buffer[index] = Result { try decode(records[index]) }
                }
            }
        }
        return zip(records, events).map { ($0, $1!) }
    }

    /// Shared by the decoding workers; each writes only its own range of indexes.
    private struct Slots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Result<LedgerEvent, any Error>?>
    }

    /// The next chunk in log order, or nil at the end of the log.
    func next() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            condition.broadcast()
            return ready.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the reading thread early (the consumer failed).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
