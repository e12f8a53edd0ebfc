import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import Logging
import Testing

/// Deduplication looks past the read models: a status already in the ledger but not yet
/// projected (the background projector behind, or another process's append) is a duplicate.
@Suite struct IngestTailTests {
    @Test func aStatusInTheUnprojectedTailIsADuplicate() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let status = DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.TAIL1", status: .delivered,
                                            providerTime: Date(timeIntervalSince1970: 1_795_700_000))
        // Straight into the ledger: the read models do not have it yet.
        try await env.store.ledger.append(.deliveryStatusReceived(status), actor: "webhook:whatsapp")
        let checkpoint = try env.store.read { try Checkpoint.read($0) }
        #expect(checkpoint.position < (try env.store.ledger.head().position))
        let sink = LedgerEventSink(store: env.store, projector: BackgroundProjector(store: env.store, logger: Logger(label: "test")))
        let group = [NewEvent(.deliveryStatusReceived(status), actor: "webhook:whatsapp")]
        let outcome = try await sink.ingest([group])
        #expect(outcome.appended == 0 && outcome.duplicates == 1)
        // A different status of the same message is new.
        var read = status
        read.status = .read
        let second = try await sink.ingest([[NewEvent(.deliveryStatusReceived(read), actor: "webhook:whatsapp")]])
        #expect(second.appended == 1 && second.duplicates == 0)
    }
}
