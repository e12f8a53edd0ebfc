import Foundation
import Logging
import PostgresNIO

/// The ledger in a PostgreSQL database shared by several Aviso nodes (see `PostgresLedgerSchema`
/// for the tables and why positions stay gap-free in commit order).
///
/// The calls are synchronous, like LMDB's: each blocks on PostgresNIO's futures (`wait()`),
/// which is allowed off the event loop. The writer's transactions run on one connection owned
/// by `LedgerWriter`'s thread; reads take a connection from a small idle list. Nothing but the
/// records and the head is stored: no secret reaches the database that LMDB would not hold.
final class PostgresLedgerBackend: LedgerBackend, @unchecked Sendable {
    let url: PostgresLedgerURL
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var connectionCount = 0
    /// The writer's connection; touched only on the writer's thread (and by `close`).
    private var writerConnection: PostgresConnection?
    /// LISTEN connections, kept until closed: PostgresNIO must not release one mid-close.
    private var listening: [PostgresConnection] = []
    /// Reads keep at most this many idle connections.
    private let maxIdle = 4

    /// Connects and, unless `creatingSchema` is false, creates the tables if they are missing.
    /// With `creatingSchema: false` a database without the ledger's tables is refused.
    init(url: PostgresLedgerURL, creatingSchema: Bool = true) throws {
        self.url = url
        var logger = Logger(label: "aviso.ledger.postgres")
        logger.logLevel = .error
        self.logger = logger
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                         password: url.password, database: url.database, tls: tls)
        try withConnection { connection in
            if creatingSchema {
                let present = try run(PostgresQuery(unsafeSQL: PostgresLedgerSchema.isPresentQuery), on: connection).rows
                if try present.first?.decode(Bool.self) != true {
                    try PostgresLedgerSchema.create { try run($0, on: connection) }
                }
            } else {
                let rows = try run("SELECT to_regclass('aviso_ledger_events') IS NOT NULL", on: connection).rows
                guard try rows.first?.decode(Bool.self) == true else { throw LedgerError.notFound(directory: url.description) }
            }
        }
    }

    /// PostgresNIO wants every connection closed before it is released.
    deinit {
        close()
    }

    var location: String { url.description }

    // MARK: Connections

    private func connect() throws -> PostgresConnection {
        let id = lock.withLock { connectionCount += 1; return connectionCount }
        do {
            return try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.next(), configuration: configuration,
                                                  id: id, logger: logger).wait()
        } catch {
            throw describe(error)
        }
    }

    /// Runs `body` on an idle connection (or a new one), giving it back afterwards unless it broke.
    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try lock.withLock { idle.popLast() } ?? connect()
        defer {
            if !connection.isClosed {
                let kept = lock.withLock { () -> Bool in
                    guard idle.count < maxIdle else { return false }
                    idle.append(connection)
                    return true
                }
                if !kept { connection.close().whenComplete { _ in } }
            }
        }
        return try body(connection)
    }

    @discardableResult
    func run(_ query: PostgresQuery, on connection: PostgresConnection) throws -> PostgresQueryResult {
        try result(of: connection.query(query, logger: logger))
    }

    /// Waits for a query sent before (queued on its connection behind the ones sent earlier).
    func result(of query: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        do {
            return try query.wait()
        } catch {
            throw describe(error)
        }
    }

    /// What PostgreSQL said, with the location masked; never the query's data or a password.
    func describe(_ error: any Error) -> LedgerError {
        if let error = error as? LedgerError { return error }
        guard let error = error as? PSQLError else { return .backend("PostgreSQL ledger \(url): \(error)") }
        if let message = error.serverInfo?[.message] { return .backend("PostgreSQL ledger \(url): \(message)") }
        if let underlying = error.underlying { return .backend("PostgreSQL ledger \(url): \(error.code) (\(underlying))") }
        return .backend("PostgreSQL ledger \(url): \(error.code)")
    }

    func close() {
        let connections = lock.withLock { () -> [PostgresConnection] in
            defer { idle = []; writerConnection = nil; listening = [] }
            return idle + listening + (writerConnection.map { [$0] } ?? [])
        }
        for connection in connections where !connection.isClosed { _ = try? connection.close().wait() }
    }

    // MARK: Following

    /// The heads other writers commit, as PostgreSQL delivers `pg_notify` (LISTEN on a
    /// connection of its own). The stream ends when that connection drops: listen again, and
    /// poll meanwhile, since a notification sent while nobody listened is not repeated.
    func notifications() throws -> AsyncStream<UInt64> {
        let connection = try connect()
        lock.withLock {
            listening.removeAll { $0.isClosed }
            listening.append(connection)
        }
        let (stream, continuation) = AsyncStream<UInt64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        connection.addListener(channel: PostgresLedgerSchema.channel) { _, note in continuation.yield(UInt64(note.payload) ?? 0) }
        do {
            try run(PostgresQuery(unsafeSQL: "LISTEN \(PostgresLedgerSchema.channel)"), on: connection)
        } catch {
            _ = try? connection.close().wait()
            throw error
        }
        connection.closeFuture.whenComplete { _ in continuation.finish() }
        continuation.onTermination = { _ in connection.close().whenComplete { _ in } }
        return stream
    }

    // MARK: Reading

    func scanStored(after position: UInt64, limit: Int, _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard limit > 0 else { return }
        let rows = try withConnection { connection in
            try run("""
                SELECT position, record FROM aviso_ledger_events WHERE position > \(Int64(position))
                ORDER BY position LIMIT \(Int64(limit))
                """, on: connection).rows
        }
        try Self.visit(rows, visit)
    }

    func stored(at positions: [UInt64], _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard !positions.isEmpty else { return }
        let wanted = positions.map { Int64(clamping: $0) }
        let rows = try withConnection { connection in
            try run("SELECT position, record FROM aviso_ledger_events WHERE position = ANY(\(wanted))", on: connection).rows
        }
        var found: [UInt64: ByteBuffer] = [:]
        for row in rows {
            let (position, record) = try row.decode((Int64, ByteBuffer).self)
            found[UInt64(position)] = record
        }
        for position in positions {
            try found[position]?.withUnsafeReadableBytes { try visit(position, $0) }
        }
    }

    static func visit(_ rows: [PostgresRow], _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        for row in rows {
            let (position, record) = try row.decode((Int64, ByteBuffer).self)
            try record.withUnsafeReadableBytes { try visit(UInt64(position), $0) }
        }
    }

    func head() throws -> LedgerHead {
        try withConnection { try Self.head(from: try run("SELECT position, hash FROM aviso_ledger_head", on: $0).rows) }
    }

    /// The head row is the witness beside the records, as LMDB's `meta` head is.
    func storedHead() throws -> LedgerHead? {
        try head()
    }

    static func head(from rows: [PostgresRow]) throws -> LedgerHead {
        guard let row = rows.first else { throw LedgerError.backend("the PostgreSQL ledger has no head row") }
        let (position, hash) = try row.decode((Int64, ByteBuffer).self)
        return LedgerHead(position: UInt64(position), hash: Data(hash.readableBytesView))
    }

    /// `Ledger.refuseDamagedEnd` on PostgreSQL: the head row and the last two records, read in
    /// one statement (one snapshot, so a node appending meanwhile cannot make a torn view), by
    /// the primary key from its end: O(1) in the log's length.
    func refuseDamagedEnd() throws {
        let rows = try withConnection { connection in
            try run("""
                SELECT true, position, hash FROM aviso_ledger_head
                UNION ALL
                (SELECT false, position, record FROM aviso_ledger_events ORDER BY position DESC LIMIT 2)
                """, on: connection).rows
        }
        var stored: LedgerHead?
        var records: [(position: UInt64, value: [UInt8])] = []
        for row in rows {
            let (isHead, position, bytes) = try row.decode((Bool, Int64, ByteBuffer).self)
            if isHead {
                stored = LedgerHead(position: UInt64(position), hash: Data(bytes.readableBytesView))
            } else {
                records.append((UInt64(position), Array(bytes.readableBytesView)))
            }
        }
        records.sort { $0.position > $1.position }
        let last = records.first
        let before = records.dropFirst().first { $0.position + 1 == last?.position }?.value
        try Ledger.refuseDamagedEnd(stored: stored, last: last, before: before, location: url.description)
    }

    // MARK: Writing

    /// BEGIN; lock the head row; `body`; insert the records; update the head; notify; COMMIT.
    /// Errors of `body` pass through as they are; the transaction is rolled back.
    func writeTransaction<T>(_ body: (any LedgerWriteTransaction) throws -> T) throws -> T {
        let connection = try lock.withLock { writerConnection } ?? connect()
        lock.withLock { writerConnection = connection }
        do {
            // Both sent at once: the connection runs them in order, and this thread wakes once.
            let begun = connection.query("BEGIN", logger: logger)
            let locked = connection.query("SELECT position, hash FROM aviso_ledger_head FOR UPDATE", logger: logger)
            do {
                _ = try result(of: begun)
                let head = try Self.head(from: try result(of: locked).rows)
                let transaction = PostgresWriteTransaction(backend: self, connection: connection, head: head)
                let outcome = try body(transaction)
                try transaction.flush()
                try run("COMMIT", on: connection)
                return outcome
            } catch {
                if !connection.isClosed { try? run("ROLLBACK", on: connection) }
                throw error
            }
        } catch {
            if connection.isClosed { lock.withLock { writerConnection = nil } }
            throw error
        }
    }
}

/// One append transaction on the writer's connection. Records are buffered and inserted in
/// one statement (`unnest` of two arrays) before anything reads or the head is stored.
final class PostgresWriteTransaction: LedgerWriteTransaction {
    private let backend: PostgresLedgerBackend
    private let connection: PostgresConnection
    private var current: LedgerHead
    private var positions: [Int64] = []
    private var values: [ByteBuffer] = []
    private let flushEvery = 10_000

    init(backend: PostgresLedgerBackend, connection: PostgresConnection, head: LedgerHead) {
        self.backend = backend
        self.connection = connection
        current = head
    }

    func head() throws -> LedgerHead { current }

    func records(after position: UInt64, limit: Int) throws -> [LedgerRecord] {
        try flush()
        guard limit > 0 else { return [] }
        let rows = try backend.run("""
            SELECT position, record FROM aviso_ledger_events WHERE position > \(Int64(position))
            ORDER BY position LIMIT \(Int64(limit))
            """, on: connection).rows
        var out: [LedgerRecord] = []
        try PostgresLedgerBackend.visit(rows) { p, value in out.append(try RecordCodec.decode(position: p, value: value)) }
        return out
    }

    func appendRecord(position: UInt64, value: UnsafeRawBufferPointer) throws {
        positions.append(Int64(position))
        values.append(ByteBuffer(bytes: value))
        current = LedgerHead(position: position, hash: Data(value.suffix(RecordCodec.hashSize)))
        if positions.count >= flushEvery { try flush() }
    }

    /// Inserts the records still buffered, stores the head and notifies followers (delivered by
    /// PostgreSQL only when this commits), in one statement: one round trip fewer while every
    /// node waits for the head row this transaction holds.
    func storeHead(_ head: LedgerHead) throws {
        try backend.run("""
            WITH appended AS (
                INSERT INTO aviso_ledger_events (position, record) SELECT * FROM unnest(\(positions)::bigint[], \(values)::bytea[]))
            UPDATE aviso_ledger_head SET position = \(Int64(head.position)), hash = \(ByteBuffer(bytes: head.hash))
            RETURNING pg_notify(\(PostgresLedgerSchema.channel), \(String(head.position)))
            """, on: connection)
        positions.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    func flush() throws {
        guard !positions.isEmpty else { return }
        try backend.run("""
            INSERT INTO aviso_ledger_events (position, record) SELECT * FROM unnest(\(positions)::bigint[], \(values)::bytea[])
            """, on: connection)
        positions.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}
