import Foundation

extension Ledger {
    /// Refuses, on open, a ledger whose end is damaged, as KurrentDB refuses a checkpoint ahead
    /// of its log: a last record cut short or overwritten, or a head entry that disagrees with
    /// the last record (records removed, or put there without the writer). Only the end is
    /// read (O(1)); `verifyChain` walks the rest.
    static func refuseDamagedEnd(of environment: LMDBEnvironment, directory: URL) throws {
        try environment.read { txn in
            func damaged(_ reason: String) -> LedgerError { .damaged(directory: directory.path, reason: reason) }
            let stored = try txn.storedHead()
            guard let (key, value) = try txn.last(environment.events) else {
                if let stored, stored.position > 0 {
                    throw damaged("its head entry says the log ends at record \(stored.position), but it holds no records: records were removed")
                }
                return
            }
            let position = try key.withUnsafeBytes { try RecordCodec.position(fromKey: $0) }
            let record: LedgerRecord
            do {
                record = try value.withUnsafeBytes { try RecordCodec.decode(position: position, value: $0) }
            } catch {
                throw damaged("its last record (\(position)) is cut short or unreadable: \(error)")
            }
            let previous: Data
            if position == 1 {
                previous = RecordCodec.genesisHash
            } else if let before = try txn.get(environment.events, key: RecordCodec.key(position - 1)), before.count >= RecordCodec.hashSize {
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
}
