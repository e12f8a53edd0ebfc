import Foundation

extension Ledger {
    /// Refuses, on open, a ledger whose end is damaged, as KurrentDB refuses a checkpoint ahead
    /// of its log: a last record cut short or overwritten, or a head entry that disagrees with
    /// the last record (records removed, or put there without the writer). Only the end is
    /// read (O(1)); `verifyChain` walks the rest.
    static func refuseDamagedEnd(of environment: LMDBEnvironment, directory: URL) throws {
        try environment.read { txn in
            let stored = try txn.storedHead()
            guard let (key, value) = try txn.last(environment.events) else {
                return try refuseDamagedEnd(stored: stored, last: nil, before: nil, location: directory.path)
            }
            let position = try key.withUnsafeBytes { try RecordCodec.position(fromKey: $0) }
            let before = position > 1 ? try txn.get(environment.events, key: RecordCodec.key(position - 1)) : nil
            try refuseDamagedEnd(stored: stored, last: (position, value), before: before, location: directory.path)
        }
    }

    /// The end check on any backend: `stored` is the head entry beside the records, `last` the
    /// last record's position and stored value, `before` the stored value of the record before
    /// it (nil when it is missing). `location` names the ledger in the refusal.
    static func refuseDamagedEnd(stored: LedgerHead?, last: (position: UInt64, value: [UInt8])?, before: [UInt8]?,
                                 location: String) throws {
        func damaged(_ reason: String) -> LedgerError { .damaged(directory: location, reason: reason) }
        guard let (position, value) = last else {
            if let stored, stored.position > 0 {
                throw damaged("its head entry says the log ends at record \(stored.position), but it holds no records: records were removed")
            }
            return
        }
        let record: LedgerRecord
        do {
            record = try value.withUnsafeBytes { try RecordCodec.decode(position: position, value: $0) }
        } catch {
            throw damaged("its last record (\(position)) is cut short or unreadable: \(error)")
        }
        let previous: Data
        if position == 1 {
            previous = RecordCodec.genesisHash
        } else if let before, before.count >= RecordCodec.hashSize {
            previous = Data(before.suffix(RecordCodec.hashSize))
        } else {
            throw damaged("record \(position - 1), before the last record (\(position)), is missing or cut short")
        }
        let expected = value.withUnsafeBytes {
            RecordCodec.chainHash(previous: previous, position: position, body: RecordCodec.storedBody($0))
        }
        guard expected == record.hash else {
            throw damaged("its last record (\(position)) does not match its hash: it was cut short or overwritten")
        }
        guard let stored, stored != LedgerHead(position: position, hash: record.hash) else { return }
        if stored.position > position {
            throw damaged("its head entry says the log ends at record \(stored.position), but the last record is \(position): records were removed")
        }
        if stored.position < position {
            throw damaged("its head entry says the log ends at record \(stored.position), but records go on to \(position): they were put there without Aviso's writer")
        }
        throw damaged("its head entry names another hash for record \(position) than the record has: the last record was replaced")
    }
}
