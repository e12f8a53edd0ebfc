import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
@testable import AvisoServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Answers like the Graph API and keeps every request body, so a test sees what Meta got.
final class GraphRecorder: HTTPTransport {
    private let bodies = Mutex<[Data]>([])
    var requests: [[String: Any]] {
        bodies.withLock { $0 }.map { (try? JSONSerialization.jsonObject(with: $0) as? [String: Any]) ?? [:] }
    }

    func send(_ request: TransportRequest) async throws(HTTPTransportError) -> TransportResponse {
        bodies.withLock { $0.append(request.body ?? Data()) }
        return TransportResponse(status: 200, body: Data(#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.TEST\#(UUID().uuidString.prefix(8))"}]}"#.utf8))
    }
}

/// The WhatsApp test send: free text only inside the 24-hour window; outside it the approved
/// `TEST` template (Meta refuses free text there with 131047). The answer says which went.
@Suite struct TestSendWindowTests {
    @Test func outsideTheWindowTheTestUsesTheApprovedTemplate() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let graph = GraphRecorder()
        let providers = ProviderConfiguration(
            whatsapp: WhatsAppConfiguration(accessToken: Secret("wa-token-test-0009-abcdef"), phoneNumberId: "109876543210",
                                            apiBase: URL(string: "http://127.0.0.1:9")!),
            twilio: nil)
        let sender = MessageSender(configuration: providers, transport: graph) { events in try await env.store.append(events) }
        let actions = LiveNotificationActions(store: env.store, scheduler: Scheduler.live(store: env.store, sender: sender),
                                              sender: sender)
        var arguments = env.arguments
        arguments.providerConfiguration = providers
        let app = buildApplication(arguments, store: env.store, actions: actions, logger: env.logs.logger(), parts: env.parts)
        try await app.test(.router) { client in
            let admin = try await client.login("admin")
            // C001 prefers WhatsApp and has never written to us: the window is closed.
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(admin),
                                     body: ByteBuffer(string: #"{"clientId":"C001","channel":"whatsapp","dryRun":false}"#)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = obj(response.body)
                #expect(body["status"] as? String == "sent")
                #expect(body["whatsappForm"] as? String == "template")
                #expect(body["whatsappTemplate"] as? String == "mensaje_prueba")
            }
            let first = try #require(graph.requests.last)
            #expect(first["type"] as? String == "template")
            #expect((first["template"] as? [String: Any])?["name"] as? String == "mensaje_prueba")
            #expect(first["text"] == nil)

            // The console says it in Spanish.
            let console = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes/prueba", method: .post, session: console,
                                                form: [("cliente", "C001"), ("canal", "whatsapp"), ("volver", "/mensajes")])
            #expect(page.body.contains("Plantilla aprobada «mensaje_prueba»"), "\(page.body)")
            #expect(graph.requests.count == 2 && graph.requests[1]["type"] as? String == "template")

            // She writes to us: the window opens and the test goes as free text.
            try await env.seed([.inboundMessageReceived(InboundMessageReceived(provider: "whatsapp", from: "+50255551234", at: Date()))])
            _ = try env.store.catchUp()
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(admin),
                                     body: ByteBuffer(string: #"{"clientId":"C001","channel":"whatsapp","dryRun":false}"#)) { response in
                let body = obj(response.body)
                #expect(body["whatsappForm"] as? String == "free_text")
                #expect(body["whatsappTemplate"] == nil)
            }
            #expect(graph.requests.last?["type"] as? String == "text")
        }
        env.assertLogsClean(["wa-token-test-0009-abcdef"])
    }
}
