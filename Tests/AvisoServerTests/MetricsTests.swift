import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/metrics` through swift-metrics and its Prometheus registry: latency per route group, sends
/// by provider and result, webhook statuses, ledger head and lag, and each app with its own registry.
@Suite struct MetricsTests {
    /// The value of one exposition line (`name{labels} value`), nil when the series is absent.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    static func scrape(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/metrics", method: .get) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return String(buffer: response.body)
        }
    }

    @Test func routeGroupsComeFromThePathPrefix() {
        #expect(RouteGroup(path: "/api/webhooks/whatsapp") == .webhooks)
        #expect(RouteGroup(path: "/api/webhooks/twilio") == .webhooks)
        #expect(RouteGroup(path: "/api/notifications/run") == .api)
        #expect(RouteGroup(path: "/api/session") == .api)
        #expect(RouteGroup(path: "/login") == .api)
        #expect(RouteGroup(path: "/healthz") == .health)
        #expect(RouteGroup(path: "/metrics") == .health)
        #expect(RouteGroup(path: "/checkpoint") == .health)
        #expect(RouteGroup(path: "/healthzz") == .console)
        #expect(RouteGroup(path: "/mensajes/42") == .console)
        #expect(RouteGroup(path: "/") == .console)
        #expect(RouteGroup(path: "/no-such-page") == .console)
    }

    @Test func requestLatencyIsCountedPerRouteGroup() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let raw = WhatsAppFixtures.batch([("wamid.L1", "sent", 1)])
            for _ in 0..<2 {
                try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                         body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ingresar", method: .get) { #expect($0.status == .ok) }
            // Refused requests are timed too.
            try await client.execute(uri: "/api/notifications/run", method: .post) { #expect($0.status == .unauthorized) }

            let first = try await Self.scrape(client)
            let count = { (group: String, text: String) in
                Self.value("aviso_http_request_duration_seconds_count{group=\"\(group)\"}", in: text)
            }
            #expect(count("webhooks", first) == 2)
            #expect(count("health", first) == 1)   // /healthz (this scrape is timed after it answers)
            #expect(count("console", first) == 1)
            #expect(count("api", first) == 1)
            #expect(first.contains(#"aviso_http_request_duration_seconds_bucket{group="webhooks",le="+Inf"} 2"#))
            #expect((Self.value(#"aviso_http_request_duration_seconds_sum{group="webhooks"}"#, in: first) ?? 0) > 0)

            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            let second = try await Self.scrape(client)
            #expect(count("webhooks", second) == 3)
            #expect(count("health", second) == 2)  // the first scrape
            #expect(Self.value(#"aviso_webhook_events_total{provider="whatsapp",status="sent"}"#, in: second) == 3)
        }
    }

    @Test func sendsByProviderAndResultFollowTheReadModels() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await ConsoleMessagesTests.seedMessages(env)
        _ = try env.store.catchUp()
        try await env.test { client in
            let before = try await Self.scrape(client)
            #expect(Self.value(#"aviso_sends{provider="whatsapp",result="delivered"}"#, in: before) == 1)
            #expect(Self.value(#"aviso_sends{provider="twilio",result="undelivered"}"#, in: before) == 1)
            #expect(Self.value(#"aviso_messages{channel="sms",status="skipped"}"#, in: before) == 1)
            let head = try #require(Self.value("aviso_ledger_position", in: before))
            #expect(Self.value("aviso_projection_lag_records", in: before) == 0)

            // wamid.AAA is read: the send moves from delivered to read, and the ledger head moves.
            let raw = WhatsAppFixtures.batch([("wamid.AAA", "read", 5)])
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            _ = try env.store.catchUp()
            let after = try await Self.scrape(client)
            #expect(Self.value(#"aviso_sends{provider="whatsapp",result="read"}"#, in: after) == 1)
            #expect(Self.value(#"aviso_sends{provider="whatsapp",result="delivered"}"#, in: after) == 0)
            #expect(Self.value(#"aviso_webhook_events_total{provider="whatsapp",status="read"}"#, in: after) == 1)
            #expect(Self.value("aviso_ledger_position", in: after) == head + 1)
        }
    }

    /// Tests build many apps in one process: each keeps its own counts, and none needs (or
    /// breaks on) the process-wide `MetricsSystem.bootstrap`.
    @Test func eachAppHasItsOwnRegistry() async throws {
        let one = try await TestEnvironment.make(), two = try await TestEnvironment.make()
        defer { one.cleanUp(); two.cleanUp() }
        let raw = WhatsAppFixtures.batch([("wamid.R1", "sent", 1)])
        try await one.test { client in
            try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(raw),
                                     body: ByteBuffer(string: raw)) { #expect($0.status == .ok) }
            let text = try await Self.scrape(client)
            #expect(Self.value(#"aviso_http_request_duration_seconds_count{group="webhooks"}"#, in: text) == 1)
        }
        try await two.test { client in
            let text = try await Self.scrape(client)
            #expect(Self.value(#"aviso_http_request_duration_seconds_count{group="webhooks"}"#, in: text) == nil)
            #expect(Self.value(#"aviso_webhook_events_total{provider="whatsapp",status="sent"}"#, in: text) == nil)
        }
    }
}
