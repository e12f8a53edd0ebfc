import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
@testable import AvisoServer
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

/// The notification routes with the real send path and scheduler behind them (no providers
/// configured, so every send is a recorded dry run, exactly as the lender runs today).
@Suite struct LiveActionsTests {
    @Test func testSendAndRunGoThroughTheRealSendPathAndScheduler() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let actions = try LiveNotificationActions.make(store: env.store, configuration: ProviderConfiguration(environment: [:]))
        let app = buildApplication(env.arguments, store: env.store, actions: actions, logger: env.logs.logger(), parts: env.parts)
        try await app.test(.router) { client in
            let admin = try await client.login("admin")
            try await client.execute(uri: "/api/notifications/test", method: .post, headers: .session(admin),
                                     body: ByteBuffer(string: #"{"clientId":"C002","stage":"D-2","dryRun":true}"#)) { response in
                #expect(response.status == .ok)
                let body = obj(response.body)
                #expect(body["status"] as? String == "sent")
                #expect(body["provider"] as? String == "dry-run")
                #expect(body["channel"] as? String == "sms")
                #expect(body["to"] as? String == "***4567")
                #expect((body["text"] as? String)?.contains("Juan Carlos") == true)
                #expect((body["messageId"] as? String)?.hasPrefix("dry-run-") == true)
            }
            // A dry run plans and changes nothing: twice the same answer, then the real run does just that.
            var planned = 0
            let head = try env.store.ledger.head().position
            for _ in 0..<2 {
                try await client.execute(uri: "/api/notifications/run?dryRun=true", method: .post, headers: .cron) { response in
                    #expect(response.status == .ok)
                    let body = obj(response.body)
                    #expect((body["due"] as? Int ?? 0) > 0)
                    #expect(body["kind"] as? String == "run" && body["dryRun"] as? Bool == true)
                    if planned == 0 { planned = body["due"] as? Int ?? 0 } else { #expect(body["due"] as? Int == planned) }
                }
            }
            #expect(try env.store.ledger.head().position == head)
            try await client.execute(uri: "/api/notifications/run", method: .post, headers: .cron) { response in
                #expect(obj(response.body)["due"] as? Int == planned)
            }
            // Twice: the second run decides nothing new.
            try await client.execute(uri: "/api/notifications/run", method: .post, headers: .cron) { response in
                #expect(obj(response.body)["due"] as? Int == 0)
            }
        }
        try env.store.catchUp()
        let sent = try env.ledgerEvents().compactMap { event -> MessageSent? in
            if case let .messageSent(s) = event { s } else { nil }
        }
        let test = try #require(sent.first { $0.test })
        #expect(test.dryRun && test.clientId == "C002" && test.stage == "D-2")
        let row = try env.store.read { try NotificationRecord.filter(Column("message_id") == test.messageId).fetchOne($0) }
        #expect(row?.test == true && row?.dryRun == true)
        // A test send does not count against the client's daily cap.
        let counted = try env.store.read { try Int.fetchOne($0, sql: "SELECT coalesce(sum(count), 0) FROM daily_counts WHERE client_id = 'C002'") }
        #expect(counted == sent.filter { !$0.test && $0.clientId == "C002" }.count)
        env.assertLogsClean()
    }
}
