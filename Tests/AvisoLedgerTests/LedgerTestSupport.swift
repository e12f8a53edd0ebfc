@testable import AvisoLedger
import Foundation

/// A fresh ledger in its own temporary directory.
func makeTemporaryDirectory(_ name: String = "ledger") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-tests-\(UUID().uuidString)/\(name)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func sampleClient(_ i: Int) -> LedgerEvent {
    .clientUpserted(ClientUpserted(id: "C\(i)", name: "Cliente \(i)", phone: "5555\(String(format: "%04d", i % 10_000))",
                                   phoneCountryCode: "GT", advisor: "Ana", preferredChannel: .whatsapp))
}

extension Ledger {
    /// Writes raw bytes at `position`, as a tamperer with file access would.
    func overwriteRaw(position: UInt64, _ mutate: (inout [UInt8]) -> Void) throws {
        try environment.write { txn in
            var value = try txn.get(environment.events, key: RecordCodec.key(position))!
            mutate(&value)
            try txn.put(environment.events, key: RecordCodec.key(position), value: value, append: false)
        }
    }

    func deleteRaw(position: UInt64) throws {
        try environment.write { txn in
            var key = RecordCodec.key(position)
            try key.withUnsafeMutableBytes { bytes in
                var k = MDB_val(mv_size: bytes.count, mv_data: bytes.baseAddress)
                try LMDBError.check(mdb_del(txn.txn, environment.events, &k, nil), "del")
            }
        }
    }

    /// Appends a record with a type this build does not know, chained correctly, as a newer Aviso would.
    func appendRawFuture(type: String, version: Int, payload: String) throws {
        try environment.write { txn in
            let head = try Ledger.head(in: txn)
            var value = RecordCodec.body(time: Date(), type: type, schemaVersion: version, actor: "future", payload: Data(payload.utf8))
            let hash = RecordCodec.chainHash(previous: head.hash, position: head.position + 1, body: value)
            value.append(contentsOf: hash)
            try txn.put(environment.events, key: RecordCodec.key(head.position + 1), value: value, append: true)
            try Ledger.storeHead(LedgerHead(position: head.position + 1, hash: hash), in: txn)
        }
    }
}

import CLMDB
