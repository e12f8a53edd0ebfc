@testable import AvisoLedger
import AvisoTestSupport
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
        let environment = try environment
        try environment.write { txn in
            var value = try txn.get(environment.events, key: RecordCodec.key(position))!
            mutate(&value)
            try txn.put(environment.events, key: RecordCodec.key(position), value: value, append: false)
        }
    }

    func deleteRaw(position: UInt64) throws {
        let environment = try environment
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
        try backend.writeTransaction { txn in
            let head = try txn.head()
            var value = RecordCodec.body(time: Date(), type: type, schemaVersion: version, actor: "future", payload: Data(payload.utf8))
            let hash = RecordCodec.chainHash(previous: head.hash, position: head.position + 1, body: value)
            value.append(contentsOf: hash)
            try value.withUnsafeBytes { try txn.appendRecord(position: head.position + 1, value: $0) }
            try txn.storeHead(LedgerHead(position: head.position + 1, hash: hash))
        }
    }
}

import CLMDB

/// The backends the ledger suite runs against (Swift Testing `arguments:`).
enum LedgerBackendKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case lmdb, postgres
    var description: String { rawValue }
}

/// A fresh, empty ledger on `backend`: a new LMDB folder, or a new database on the test PostgreSQL.
func makeLedger(_ backend: LedgerBackendKind) throws -> Ledger {
    switch backend {
    case .lmdb: try Ledger(directory: makeTemporaryDirectory())
    case .postgres: try Ledger(location: .postgres(PostgresLedgerURL(parsing: PostgresTestServer.freshDatabaseURL())))
    }
}
