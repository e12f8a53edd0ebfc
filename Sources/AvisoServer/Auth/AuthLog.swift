import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// What sessions and the login throttle need from the data directory: to record their
/// events, and to read the read models caught up to the ledger's head (so a sign-out, a
/// disabled user or a failed login recorded by another node or process counts at once).
public protocol AuthLog: Sendable {
    func append(_ events: [NewEvent]) async throws
    func readCurrent<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T
}

/// Sessions and login failures recorded in this server's store: appended and projected at once; read after
/// catching the read models up when the ledger has records they have not seen (another
/// node's or an `aviso user disable` run's).
public struct StoreAuthLog: AuthLog {
    let store: AvisoStore
    let projector: BackgroundProjector

    public init(store: AvisoStore, projector: BackgroundProjector) {
        self.store = store
        self.projector = projector
    }

    public func append(_ events: [NewEvent]) async throws {
        try await store.append(events)
    }

    public func readCurrent<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if try await store.projectionLag() > 0 { await projector.catchUp() }
        return try await store.readAsync(body)
    }
}
