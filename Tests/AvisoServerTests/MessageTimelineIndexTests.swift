@testable import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import HummingbirdTesting
import Testing

/// A message's timeline reads that message's records (found through `ledger_index`), not the
/// whole ledger: so it no longer depends on, or fails over, records about other messages.
@Suite struct MessageTimelineIndexTests {
    @Test func aTimelineIsBuiltFromItsOwnRecordsOnly() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        // The old webhook's unreadable status of some other message, somewhere in the ledger.
        let payload = #"{"messageId":"wamid.OTRO","provider":"whatsapp","providerTime":"-4712-01-01T12:00:00Z","status":"delivered"}"#
        try await env.store.ledger.append(encoded: [EncodedEvent(type: "DeliveryStatusReceived", version: 1, actor: "webhook:whatsapp",
                                                                 payload: Data(payload.utf8))])
        try env.store.catchUp()
        let (failedId, indexed) = try env.store.read { db in
            (try Int64.fetchOne(db, sql: "SELECT id FROM notifications_log WHERE message_key = 'k-failed'")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger_index WHERE message_key = 'k-failed' OR message_id = 'SM123'")!)
        }
        #expect(indexed == 3)
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let detail = try await client.console("/mensajes/\(failedId)", session: admin)
            #expect(detail.status == .ok)
            let timeline = String(detail.body.split(separator: #"id="linea-de-tiempo""#, maxSplits: 1).last ?? "")
            let order = ["Texto generado", "Enviado (en cola)", "No entregado"].map { timeline.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil }, "\(timeline.prefix(3000))")
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "timeline in ledger order")
        }
    }
}
