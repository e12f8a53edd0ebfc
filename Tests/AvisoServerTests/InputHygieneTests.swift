import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoServer
import AvisoTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9: nothing from a request or a setting crashes the process; ids, forms and
/// signatures are taken as the providers and browsers really send them.
@Suite struct InputHygieneTests {
    static let hugePages = ["368934881474191035", "9223372036854775807", "-9223372036854775808", "99999999999999999999999", "1e9",
                            "-1", "0", "100001", "٣", "1 ", "0x10", "+5"]

    @Test func mensajesPaginaNeverOverflows() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            for page in Self.hugePages {
                let answer = try await client.console("/mensajes?pagina=" + WebhookRouteTests.formEscape(page), session: admin)
                #expect(answer.status == .ok, "pagina=\(page)")
            }
            let last = try await client.console("/mensajes?pagina=100000", session: admin)
            #expect(last.status == .ok)
        }
        #expect(MessageFilters.page("368934881474191035") == 1)
        #expect(MessageFilters.page("100000") == 100_000)
        #expect(MessageFilters.page("7") == 7)
    }

    @Test func whatsappRateOutsideItsRangeIsAFieldError() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            for rate in ["1e-300", "0.01", "nan", "inf", "-5", "1e3", "1001", "0,0000001", "1.2.3", "١٠"] {
                let answer = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                                      form: ConsoleSettingsTests.form(["whatsapp_por_segundo": rate]))
                #expect(answer.status == .unprocessableContent, "rate \(rate)")
                #expect(answer.body.contains(#"aria-describedby="whatsapp_por_segundo-error""#))
            }
            #expect(env.head == before)
            let ok = try await client.console("/configuracion/mensajeria", method: .post, session: admin,
                                              form: ConsoleSettingsTests.form(["whatsapp_por_segundo": "0,5"]))
            #expect(ok.status == .seeOther)
        }
        #expect(try env.store.read { try MessagingSettings.current($0).whatsappMessagesPerSecond } == 0.5)
    }

    /// A rate saved before settings had ranges must slow sends down, never crash them.
    @Test func sendRateLimiterSurvivesAnyRate() async throws {
        for rate in [1e-300, 0, -1, .nan, .infinity, -.infinity, 1e300, .leastNonzeroMagnitude] {
            let limiter = SendRateLimiter(ratePerSecond: rate, timing: .init(now: { .zero }, sleep: { _ in }))
            #expect(limiter.ratePerSecond.isFinite && limiter.ratePerSecond > 0)
            for _ in 0..<3 {
                let wait = try await limiter.acquire()
                #expect(wait <= .seconds(3_600))
            }
        }
    }

    /// A closed output or a full disk drops log lines and counts them; the process lives.
    @Test func loggingToAFullDiskOrClosedPipeDropsAndCounts() throws {
        let before = LogDrops.total
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        let toFull = JSONLogHandler.fileDescriptor(full)
        for i in 0..<5 { toFull("{\"line\":\(i)}") }
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        close(fds[0])  // the reader is gone
        defer { close(fds[1]) }
        let toPipe = JSONLogHandler.fileDescriptor(fds[1])
        for i in 0..<5 { toPipe("{\"line\":\(i)}") }
        #expect(LogDrops.total - before >= 10)
    }

    @Test func droppedLogLinesShowInMetrics() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("aviso_log_lines_dropped_total "))
            }
        }
    }

    @Test func pathIdsArePercentDecodedAndValidated() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let body = #"{"name":"Cliente Nuevo","phone":"5555-1234","phone_country_code":"GT","preferred_channel":"whatsapp"}"#
        try await env.test { client in
            try await client.execute(uri: "/api/clients/C%20900", method: .put, headers: .cron, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(obj(response.body)["id"] as? String == "C 900")
            }
            for bad in ["C%2F900", "%00", "C%0A1", "%E2%80%AE", "%FF", String(repeating: "x", count: 65), "%20C1", "C%25"] {
                try await client.execute(uri: "/api/clients/\(bad)", method: .put, headers: .cron, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "id \(bad)")
                    #expect(errorCode(response.body) == "invalid_id")
                }
            }
            try await client.execute(uri: "/api/installments/I%2F1/paid", method: .post, headers: .cron) { #expect($0.status == .badRequest) }
        }
        let ids = try env.store.read { try String.fetchAll($0, sql: "SELECT id FROM clients WHERE id LIKE '%900%'") }
        #expect(ids == ["C 900"])
    }

    @Test func formsOver256KBAnswer413() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let before = env.head
            let big = String(repeating: "a", count: 300 * 1024)
            for path in ["/configuracion/mensajeria", "/mensajes/prueba", "/configuracion/credenciales", "/configuracion/plantillas"] {
                let answer = try await client.console(path, method: .post, session: admin, form: [("relleno", big)])
                #expect(answer.status == .contentTooLarge, "\(path): \(answer.status)")
            }
            #expect(env.head == before)
        }
    }

    /// Twilio's algorithm for repeated parameters (values de-duplicated and sorted), checked
    /// against the `twilio` Python package's `RequestValidator` (installed by .ci/run).
    @Test func twilioSignaturesMatchTwilioPythonRequestValidator() throws {
        let url = "https://aviso.example.gt/api/webhooks/twilio?rc=3"
        let cases: [[(String, String)]] = [
            [("MessageSid", "SM1"), ("MessageStatus", "delivered")],
            [("MediaUrl", "b"), ("MediaUrl", "a"), ("To", "+50255551234")],
            [("X", "2"), ("X", "1"), ("X", "2"), ("x", "0"), ("Body", "BAJA por favor ñ")],
            [("Body", "é"), ("Body", "e\u{301}"), ("Z", ""), ("A", "")],
            [("a", "1"), ("A", "2"), ("_", "3"), ("ä", "4"), ("Body", "😀 stop")],
        ]
        let script = """
            import json, sys
            from twilio.request_validator import RequestValidator
            class Multi(dict):
                def getall(self, name): return self[name]
            out = []
            for case in json.load(sys.stdin):
                params = Multi()
                for name, value in case["params"]:
                    params.setdefault(name, []).append(value)
                out.append(RequestValidator(case["token"]).compute_signature(case["url"], params))
            print(json.dumps(out))
            """
        let input = try JSONSerialization.data(withJSONObject: cases.map { pairs in
            ["token": TestSecrets.twilioToken, "url": url, "params": pairs.map { [$0.0, $0.1] }] as [String: Any]
        })
        let expected = try Self.python(script, stdin: input)
        let computed = cases.map { TwilioSignature.compute(authToken: TestSecrets.twilioToken, url: url, parameters: $0) }
        #expect(computed == expected)
        for (pairs, signature) in zip(cases, expected) {
            #expect(TwilioSignature.isValid(signature: signature, authToken: TestSecrets.twilioToken, url: url, parameters: pairs.reversed()))
        }
    }

    /// Runs `python3 -c script` with `stdin`, returning its JSON array of strings.
    static func python(_ script: String, stdin: Data) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.runSerialized()
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with the twilio package (pip install twilio; .ci/run does): \(problem)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String])
    }
}
