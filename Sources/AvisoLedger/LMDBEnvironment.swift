import CLMDB
import Foundation

/// One LMDB environment holding the event log.
///
/// Opened with `MDB_NOTLS` because Swift tasks hop between OS threads: read transactions
/// are then tied to their `MDB_txn`, not to the thread. Write transactions still belong to
/// the thread that opened them, which is why only `LedgerWriter`'s dedicated thread writes.
///
/// Sync mode: LMDB's default (no `MDB_NOSYNC`, no `MDB_NOMETASYNC`): every commit is
/// flushed with fdatasync before it returns, so an append is durable once it returns.
/// The writer batches waiting appends into one transaction, so the cost of that flush is
/// shared (group commit) instead of being given up.
final class LMDBEnvironment: @unchecked Sendable {
    let env: OpaquePointer
    let events: MDB_dbi
    let meta: MDB_dbi
    /// In this process, resizing the map needs no transaction open: readers and writers
    /// hold this lock shared, a resize holds it exclusively.
    private var resizeLock = pthread_rwlock_t()

    /// `readOnly`: `MDB_RDONLY`, nothing created or written. On a read-only file system LMDB
    /// then uses no lock file; where the lock file merely may not be written (permissions),
    /// the environment is opened without locks (`MDB_NOLOCK`): a reader of a directory
    /// nobody can write to has no writer to coordinate with.
    init(directory: URL, initialMapSize: Int, readOnly: Bool = false) throws {
        if !readOnly { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env), "env_create")
        guard let env else { throw LMDBError(code: -1, operation: "env_create") }
        self.env = env
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, 4), "set_maxdbs")
            try LMDBError.check(mdb_env_set_maxreaders(env, 256), "set_maxreaders")
            try LMDBError.check(mdb_env_set_mapsize(env, initialMapSize), "set_mapsize")
            if readOnly {
                let lockless = Self.mayWriteLockFile(in: directory) ? 0 : MDB_NOLOCK
                try LMDBError.check(mdb_env_open(env, directory.path, UInt32(MDB_NOTLS | MDB_RDONLY | lockless), 0o640),
                                    "env_open (read-only) \(directory.path)")
            } else {
                try LMDBError.check(mdb_env_open(env, directory.path, UInt32(MDB_NOTLS), 0o640), "env_open \(directory.path)")
            }
            // Reader slots left behind by crashed processes would pin old pages forever.
            var dead: Int32 = 0
            try LMDBError.check(mdb_reader_check(env, &dead), "reader_check")
            // A read transaction when both databases exist: opening must not wait for (or
            // take) the write lock, which another process may hold for a while. A new ledger
            // creates them in a write transaction.
            let existing = try Self.openDatabases(env, create: false)
            guard let (eventsDbi, metaDbi) = try existing ?? (readOnly ? nil : Self.openDatabases(env, create: true)) else {
                throw LMDBError(code: MDB_NOTFOUND, operation: "dbi_open events/meta (read-only) \(directory.path)")
            }
            events = eventsDbi
            meta = metaDbi
        } catch {
            mdb_env_close(env)
            throw error
        }
        pthread_rwlock_init(&resizeLock, nil)
    }

    /// Opens the `events` and `meta` databases: in a read transaction, nil when either is
    /// missing; with `create`, in a write transaction that creates them.
    private static func openDatabases(_ env: OpaquePointer, create: Bool) throws -> (MDB_dbi, MDB_dbi)? {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, create ? 0 : UInt32(MDB_RDONLY), &txn), "txn_begin (open)")
        var eventsDbi: MDB_dbi = 0
        var metaDbi: MDB_dbi = 0
        let flags = create ? UInt32(MDB_CREATE) : 0
        let found = mdb_dbi_open(txn, "events", flags, &eventsDbi)
        let foundMeta = found == 0 ? mdb_dbi_open(txn, "meta", flags, &metaDbi) : found
        guard foundMeta != MDB_NOTFOUND || create else {
            mdb_txn_abort(txn)
            return nil
        }
        do {
            try LMDBError.check(foundMeta, "dbi_open events/meta")
            try LMDBError.check(mdb_txn_commit(txn), "txn_commit (open)")
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        return (eventsDbi, metaDbi)
    }

    /// Whether LMDB could open (or create) its lock file here.
    private static func mayWriteLockFile(in directory: URL) -> Bool {
        if access(directory.appendingPathComponent("lock.mdb").path, W_OK) == 0 { return true }
        return errno == ENOENT && access(directory.path, W_OK) == 0
    }

    deinit {
        mdb_env_close(env)
        pthread_rwlock_destroy(&resizeLock)
    }

    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }

    /// Runs `body` in a short read-only transaction.
    func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        while true {
            pthread_rwlock_rdlock(&resizeLock)
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
            if rc == MDB_MAP_RESIZED {
                pthread_rwlock_unlock(&resizeLock)
                try adoptResizedMap()
                continue
            }
            defer { pthread_rwlock_unlock(&resizeLock) }
            try LMDBError.check(rc, "txn_begin (read)")
            defer { mdb_txn_abort(txn) }
            return try body(LMDBTransaction(txn: txn!, environment: self))
        }
    }

    /// Writes a compacted copy of the environment into the empty `directory` (`mdb_env_copy2`
    /// with `MDB_CP_COMPACT`): one read transaction, so the copy is a consistent snapshot even
    /// while other processes append; free pages are left out.
    func copyCompacted(to directory: URL) throws {
        while true {
            pthread_rwlock_rdlock(&resizeLock)
            let rc = mdb_env_copy2(env, directory.path, UInt32(MDB_CP_COMPACT))
            pthread_rwlock_unlock(&resizeLock)
            if rc == MDB_MAP_RESIZED {
                try adoptResizedMap()
                continue
            }
            try LMDBError.check(rc, "env_copy2 \(directory.path)")
            return
        }
    }

    /// Runs `body` in a write transaction and commits it. Call only from the writer thread.
    /// `body` may run more than once: when the map is full the transaction is thrown away,
    /// the map doubled, and `body` run again from scratch.
    func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        while true {
            pthread_rwlock_rdlock(&resizeLock)
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, 0, &txn)
            if rc == MDB_MAP_RESIZED {
                pthread_rwlock_unlock(&resizeLock)
                try adoptResizedMap()
                continue
            }
            guard rc == 0, let txn else {
                pthread_rwlock_unlock(&resizeLock)
                throw LMDBError(code: rc, operation: "txn_begin (write)")
            }
            let result: T
            do {
                result = try body(LMDBTransaction(txn: txn, environment: self))
                try LMDBError.check(mdb_txn_commit(txn), "txn_commit")
                pthread_rwlock_unlock(&resizeLock)
                return result
            } catch let error as LMDBError where error.isMapFull {
                // mdb_txn_commit frees the txn even on failure; abort only if we never committed.
                if error.operation != "txn_commit" { mdb_txn_abort(txn) }
                pthread_rwlock_unlock(&resizeLock)
                try growMap()
            } catch {
                if (error as? LMDBError)?.operation != "txn_commit" { mdb_txn_abort(txn) }
                pthread_rwlock_unlock(&resizeLock)
                throw error
            }
        }
    }

    /// Another process grew the map: take its size (0 means "the size in the file").
    private func adoptResizedMap() throws {
        pthread_rwlock_wrlock(&resizeLock)
        defer { pthread_rwlock_unlock(&resizeLock) }
        try LMDBError.check(mdb_env_set_mapsize(env, 0), "set_mapsize (adopt)")
    }

    private func growMap() throws {
        pthread_rwlock_wrlock(&resizeLock)
        defer { pthread_rwlock_unlock(&resizeLock) }
        try LMDBError.check(mdb_env_set_mapsize(env, mapSize * 2), "set_mapsize (grow)")
    }
}

/// A transaction handle valid only inside the `read`/`write` closure that gave it.
struct LMDBTransaction {
    let txn: OpaquePointer
    let environment: LMDBEnvironment

    func get(_ dbi: MDB_dbi, key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(txn, dbi, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try LMDBError.check(rc, "get")
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    func put(_ dbi: MDB_dbi, key: [UInt8], value: [UInt8], append: Bool) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                try LMDBError.check(mdb_put(txn, dbi, &k, &v, append ? UInt32(MDB_APPEND) : 0), "put")
            }
        }
    }

    /// Appends `value` under `position` (8 bytes big-endian) with MDB_APPEND, without
    /// intermediate arrays: this is the writer's hot loop.
    func appendRecord(_ dbi: MDB_dbi, position: UInt64, value: UnsafeRawBufferPointer) throws {
        var key = position.bigEndian
        try withUnsafeMutableBytes(of: &key) { keyBytes in
            var k = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
            var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
            try LMDBError.check(mdb_put(txn, dbi, &k, &v, UInt32(MDB_APPEND)), "put (append)")
        }
    }

    /// The last key/value of `dbi`, or nil when it is empty.
    func last(_ dbi: MDB_dbi) throws -> (key: [UInt8], value: [UInt8])? {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "cursor_get last")
        return (Array(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)),
                Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)))
    }

    /// Visits entries from the first key ≥ `from`, in key order, until `visit` returns false.
    func scan(_ dbi: MDB_dbi, from: [UInt8], _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        try from.withUnsafeBytes { fromBytes in
            var k = MDB_val(mv_size: fromBytes.count, mv_data: UnsafeMutableRawPointer(mutating: fromBytes.baseAddress))
            var v = MDB_val()
            var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            while rc == 0 {
                let more = try visit(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                                     UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
                if !more { return }
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            if rc != MDB_NOTFOUND { try LMDBError.check(rc, "cursor_get next") }
        }
    }
}
