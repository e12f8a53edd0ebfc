import AvisoLedger
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Through a real socket: the same app `aviso serve` runs, with its services (projector,
/// ledger closer) in the service group, shut down gracefully at the end.
@Suite struct LiveServerTests {
    @Test func webhooksOverTheSocketAndGracefulShutdown() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let before = env.head
        try await env.app.test(.live) { client in
            await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        let raw = WhatsAppFixtures.batch([("wamid.LIVE\(i)", "delivered", i)])
                        try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                                 body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
                    }
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        // Every acknowledged webhook is in the ledger, and after the graceful shutdown the
        // projector has caught the read models up.
        #expect(env.head == before + 40)
        #expect(try await env.store.projectionLag() == 0)
        env.assertLogsClean()
    }
}
