import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import AvisoTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9: thousands of mutated, correctly signed webhook bodies and mutated console query
/// strings against the app. No answer is a 500, the process lives, `verify` passes (chain,
/// and live read models equal a replay) and what the CLI commands read still reads.
@Suite struct WebhookFuzzTests {
    static let seed: UInt64 = 0x41_56_49_53_4F  // "AVISO"
    static let whatsappBodies = 1_200
    static let twilioBodies = 800
    static let consoleQueries = 1_000

    /// Values an attacker or a broken provider might put anywhere.
    static let hostile: [String] = [
        "nan", "-inf", "inf", "1e300", "-1e300", "-70000000000", "70000000000", "9223372036854775807", "-9223372036854775808",
        "18446744073709551616", "0", "-0", "1.5", "0x1F", "", " ", "null", "true", "[]", "{}", "\\u0000", "\\ud800",
        "💥", "ñÑáé", "\\n\\r\\t", "%00", "%FF", "'; DROP TABLE clients; --", "<script>alert(1)</script>",
        String(repeating: "A", count: 300), String(repeating: "9", count: 40), "+50255551234", "whatsapp:+50255551234",
        "BAJA", "alto el monto?", "Alto, ya pagué", "STOP", "no más", "131026", "21610", "received", "delivered", "read",
        "failed", "sent", "played", "undelivered", "wamid.FUZZ", "SMfuzz", "../../etc/passwd", "\u{202E}", "٣٤٥",
    ]

    static func pick<T>(_ items: [T], _ rng: inout SeededGenerator) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    /// A valid WhatsApp body: statuses and inbound messages for a few ids and numbers.
    static func whatsappBase(_ rng: inout SeededGenerator) -> String {
        let statuses = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
            #"{"id":"wamid.F\#(Int.random(in: 0...20, using: &rng))","status":"\#(pick(["sent", "delivered", "read", "failed", "played", "deleted"], &rng))","timestamp":"\#(1_751_142_800 + Int.random(in: 0...1000, using: &rng))","recipient_id":"5025555\#(Int.random(in: 1000...1010, using: &rng))","errors":[{"code":131026}]}"#
        }
        let messages = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
            #"{"from":"5025555\#(Int.random(in: 1000...1010, using: &rng))","id":"wamid.IN\#(Int.random(in: 0...20, using: &rng))","timestamp":"1751142900","type":"text","text":{"body":"\#(pick(["BAJA", "hola", "¿cuánto debo?", "Alto, ya pagué", "alto el monto?"], &rng))"}}"#
        }
        return #"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"statuses":[\#(statuses.joined(separator: ","))],"messages":[\#(messages.joined(separator: ","))]}}]}]}"#
    }

    /// One to three mutations of the JSON text: a quoted value replaced by a hostile one (as a
    /// string or bare), a slice deleted or duplicated, a byte flipped, or the end cut off.
    static func mutate(_ text: String, _ rng: inout SeededGenerator) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1:
                // Replace the next quoted value with a hostile one.
                guard let open = bytes[at...].firstIndex(of: UInt8(ascii: ":")),
                      let start = bytes[open...].firstIndex(of: UInt8(ascii: "\"")),
                      let end = bytes[(start + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { continue }
                let value = pick(hostile, &rng)
                let replacement = Bool.random(using: &rng) ? "\"\(value)\"" : value
                bytes.replaceSubrange(start...end, with: Array(replacement.utf8))
            case 2:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
            case 3:
                let slice = bytes[at..<min(bytes.count, at + Int.random(in: 1...40, using: &rng))]
                bytes.insert(contentsOf: slice, at: at)
            case 4:
                bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
            default:
                bytes.removeSubrange(at...)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func twilioBase(_ rng: inout SeededGenerator) -> [(String, String)] {
        if Bool.random(using: &rng) {
            return [("MessageSid", "SMf\(Int.random(in: 0...20, using: &rng))"), ("MessageStatus", pick(["sent", "delivered", "failed", "undelivered", "queued"], &rng)),
                    ("To", "+5025555\(Int.random(in: 1000...1010, using: &rng))"), ("ErrorCode", pick(["", "30003", "21610"], &rng)), ("AccountSid", "AC1")]
        }
        return [("MessageSid", "SMin\(Int.random(in: 0...20, using: &rng))"), ("SmsStatus", "received"),
                ("From", "+5025555\(Int.random(in: 1000...1010, using: &rng))"), ("Body", pick(["BAJA", "hola", "Baja por favor", "ya pagué"], &rng))]
    }

    static func mutate(_ pairs: [(String, String)], _ rng: inout SeededGenerator) -> [(String, String)] {
        var pairs = pairs
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let i = Int.random(in: 0..<max(1, pairs.count), using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !pairs.isEmpty: pairs[i].1 = pick(hostile, &rng)
            case 1 where !pairs.isEmpty: pairs.remove(at: i)
            case 2 where !pairs.isEmpty: pairs.append(pairs[i])  // a repeated parameter
            case 3: pairs.append((pick(["MessageSid", "MessageStatus", "SmsStatus", "From", "To", "Body", "ErrorCode", "X"], &rng), pick(hostile, &rng)))
            default: if !pairs.isEmpty { pairs[i].0 = pick(hostile, &rng) }
            }
        }
        return pairs
    }

    static func consoleQuery(_ rng: inout SeededGenerator) -> String {
        let names = ["pagina", "cliente", "etapa", "canal", "estado", "desde", "hasta", "siguiente", "ok", "pagina", "x"]
        let values = hostile + ["2026-02-29", "2026-13-01", "9999-12-31", "0001-01-01", "-2026-01-01", "D-2", "WEEKLY", "sms",
                                "368934881474191035", "100000", "100001", "//evil.example", "/%09/evil"]
        let pairs = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
            WebhookRouteTests.formEscape(pick(names, &rng)) + "=" + WebhookRouteTests.formEscape(pick(values, &rng))
        }
        return pairs.joined(separator: Bool.random(using: &rng) ? "&" : "&&")
    }

    @Test func mutatedSignedWebhooksAndConsoleQueriesNeverBreakAnything() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            var rng = SeededGenerator(state: Self.seed)
            var statuses: [Int: Int] = [:]
            for _ in 0..<Self.whatsappBodies {
                let body = Self.mutate(Self.whatsappBase(&rng), &rng)
                let code = try await client.execute(uri: "/api/webhooks/whatsapp", method: .post, headers: WhatsAppFixtures.headers(body),
                                                    body: ByteBuffer(string: body)) { $0.status.code }
                statuses[code, default: 0] += 1
                #expect([200, 400, 413].contains(code), "whatsapp \(code): \(body)")
            }
            for _ in 0..<Self.twilioBodies {
                let pairs = Self.mutate(Self.twilioBase(&rng), &rng)
                let code = try await client.execute(uri: "/api/webhooks/twilio", method: .post, headers: WebhookRouteTests.twilioHeaders(pairs),
                                                    body: ByteBuffer(string: WebhookRouteTests.form(pairs))) { $0.status.code }
                statuses[code, default: 0] += 1
                #expect([200, 400].contains(code), "twilio \(code): \(pairs)")
            }
            let admin = try await client.consoleLogin("admin")
            for i in 0..<Self.consoleQueries {
                let path = Self.pick(["/mensajes", "/mensajes", "/ingresar", "/configuracion/mensajeria", "/mensajes/\(Self.pick(Self.hostile, &rng).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "1")"], &rng)
                let uri = path + "?" + Self.consoleQuery(&rng)
                let answer = try await client.console(uri, session: i % 10 == 0 ? nil : admin)
                statuses[answer.status.code, default: 0] += 1
                #expect(answer.status.code < 500, "console \(answer.status): \(uri)")
            }
            // Some of each kind got through, so the fuzz reached the appending code.
            #expect(statuses[200, default: 0] > 1_000)
            #expect(statuses[400, default: 0] > 100)
        }

        // Every record decodes; `verify` (chain + replay equals live) passes.
        #expect(throws: Never.self) { try env.store.ledger.verifyChain() }
        let report = try Verification.run(env.store)
        #expect(report.head.position == env.head)
        // What `history` and `log` read.
        let records = try LedgerHistory.records(env.store.ledger, matching: HistoryFilter())
        #expect(records.count == Int(env.head))
        for record in records { _ = LedgerHistory.json(record) }
        _ = try env.store.read { try NotificationRecord.fetchAll($0) }
        // Each provider status is in the ledger once: no retry appended it twice.
        var keys = Set<String>()
        for event in try env.ledgerEvents() {
            guard let key = IngestionProjection.key(event) else { continue }
            #expect(keys.insert(key).inserted, "appended twice: \(key)")
        }
        // `serve`, `run` and `user add` open the store again.
        env.store.close()
        let reopened = try AvisoStore(directory: DataDirectory(env.directory))
        #expect(try await reopened.projectionLag() == 0)
        reopened.close()
    }
}
