import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import AvisoTestSupport
import Foundation
import GRDB
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Two `aviso serve` processes on different ports, each with its own data folder, sharing one
/// PostgreSQL ledger: what a load balancer in front of two nodes gives the providers.
@Suite(.serialized) struct TwoNodeTests {
    // Helpers are internal: TwoNodeSessionTests (another file) starts its nodes with them.
    private let token = "twilio-two-node-token"
    private let publicURL = "https://aviso.example.gt"

    struct Node {
        let process: Process
        let port: Int
        let data: DataDirectory
    }

    func startNode(ledger: String, data existing: DataDirectory? = nil) throws -> Node {
        let port = try freeLoopbackPort()
        let data = existing
            ?? DataDirectory(path: FileManager.default.temporaryDirectory.appendingPathComponent("aviso-node-\(UUID().uuidString)").path)
        let (process, _, _) = try avisoProcess(["serve", "--port", String(port), "--data", data.url.path, "--ledger", ledger],
                                               environment: ["TWILIO_AUTH_TOKEN": token, "AVISO_PUBLIC_URL": publicURL,
                                                             "AVISO_ADMIN_PASSWORD": "una-contraseña-larga", "AVISO_LOG_LEVEL": "error",
                                                             "AVISO_BCRYPT_COST": "4"])
        return Node(process: process, port: port, data: data)
    }

    /// Node A, then (once A answers: it creates the tables and the admin account) node B, on
    /// one new PostgreSQL ledger; with B's first `/healthz`.
    func startTwoNodes() async throws -> (ledger: String, a: Node, b: Node, bHealth: String?) {
        let ledger = try PostgresTestServer.freshDatabaseURL()
        let a = try startNode(ledger: ledger)
        do {
            #expect(try await health(a) != nil)
            let b = try startNode(ledger: ledger)
            return (ledger, a, b, try await health(b))
        } catch {
            killAll([a])
            throw error
        }
    }

    func killAll(_ nodes: [Node]) {
        for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) }
    }

    /// The provider message ids of every status in the log, in log order.
    private func statusIds(_ ledger: Ledger) throws -> [String] {
        var out: [String] = []
        try ledger.forEachRecord { record in
            if case let .deliveryStatusReceived(e) = try record.decodeEvent() { out.append(e.messageId) }
        }
        return out
    }

    func get(_ node: Node, _ path: String) async -> (status: Int, body: String)? {
        guard let (data, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(node.port)\(path)")!),
              let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }

    /// Waits (bounded) until the node answers `/healthz` with `until` true of its body.
    func health(_ node: Node, until: (String) -> Bool = { _ in true }) async throws -> String? {
        for _ in 0..<300 {
            guard node.process.isRunning else { return nil }
            if let answer = await get(node, "/healthz"), answer.status == 200, until(answer.body) { return answer.body }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    private func postStatus(_ node: Node, sid: String, status: String) async throws -> Int {
        let pairs = [("MessageSid", sid), ("MessageStatus", status), ("To", "+50255551234"), ("AccountSid", "AC1")]
        let signature = TwilioSignature.compute(authToken: token, url: publicURL + "/api/webhooks/twilio", parameters: pairs)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)/api/webhooks/twilio")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(signature, forHTTPHeaderField: "X-Twilio-Signature")
        request.httpBody = Data(pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
            .joined(separator: "&").utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? -1
    }

    /// One node is SIGKILLed while both take webhooks: the other keeps acknowledging, nothing
    /// acknowledged by either is lost or doubled, and the killed node, restarted on its data
    /// folder, catches up with what was appended while it was down.
    @Test func aNodeKilledUnderLoadLosesNothingAndCatchesUp() async throws {
        let (ledger, a, b, _) = try await startTwoNodes()
        defer { killAll([a, b]) }

        let acknowledged = try await withThrowingTaskGroup(of: String?.self) { group in
            for i in 0..<120 {
                let node = i % 2 == 0 ? a : b
                let sid = "SK\(1000 + i)"
                group.addTask {
                    (try? await postStatus(node, sid: sid, status: "delivered")) == 200 ? sid : nil
                }
                if i == 50 { kill(a.process.processIdentifier, SIGKILL) }
            }
            var out: [String] = []
            for try await sid in group { if let sid { out.append(sid) } }
            return out
        }
        a.process.waitUntilExit()
        // Every request to B was acknowledged; A's stopped at the kill.
        let toB = (0..<120).filter { $0 % 2 == 1 }.map { "SK\(1000 + $0)" }
        #expect(Set(toB).isSubset(of: Set(acknowledged)))

        let shared = try Ledger(readingOnly: .parse(ledger))
        defer { shared.close() }
        let statuses = try statusIds(shared)
        #expect(Set(acknowledged).isSubset(of: Set(statuses)))
        #expect(Set(statuses).count == statuses.count)
        let head = try shared.verifyChain()

        let restarted = try startNode(ledger: ledger, data: a.data)
        defer { killAll([restarted]) }
        let caughtUp = try await health(restarted) { $0.contains(#""ledgerPosition":\#(head.position)"#) && $0.contains(#""projectionLag":0"#) }
        #expect(caughtUp != nil)
        #expect(try await postStatus(restarted, sid: "SK9999", status: "delivered") == 200)
        for node in [restarted, b] {
            kill(node.process.processIdentifier, SIGTERM)
            node.process.waitUntilExit()
        }
    }

    /// Signed status callbacks sent alternately to both nodes (each also retried on the other
    /// node): every acknowledged one is in the shared log exactly once, in one gap-free chain;
    /// both nodes' read models converge to the same `notifications_log`; `/healthz` names the
    /// backend with the password masked; `aviso verify` passes on both.
    @Test func twoNodesShareOneLogAndConverge() async throws {
        let (ledger, a, b, bHealth) = try await startTwoNodes()
        defer { killAll([a, b]) }
        #expect(bHealth?.contains(#""ledgerBackend":"postgresql""#) == true, "\(bHealth ?? "")")
        #expect(bHealth?.contains(#""ledgerLocation":"#) == true)

        var acknowledged: [String] = []
        for i in 0..<40 {
            let sid = "SM\(1000 + i)"
            let (first, second) = i % 2 == 0 ? (a, b) : (b, a)
            if try await postStatus(first, sid: sid, status: "delivered") == 200 { acknowledged.append(sid) }
            if i % 4 == 0 { #expect(try await postStatus(second, sid: sid, status: "delivered") == 200) }  // a provider's retry
        }
        #expect(acknowledged.count == 40)

        let shared = try Ledger(readingOnly: .parse(ledger))
        defer { shared.close() }
        let statuses = try statusIds(shared)
        #expect(statuses.sorted() == acknowledged.sorted())
        let head = try shared.verifyChain()

        // Both nodes follow the shared log to its head (LISTEN/NOTIFY, polling as fallback).
        for node in [a, b] {
            let caughtUp = try await health(node) { $0.contains(#""ledgerPosition":\#(head.position)"#) && $0.contains(#""projectionLag":0"#) }
            #expect(caughtUp != nil, "node on port \(node.port) did not catch up to \(head.position)")
        }
        for node in [a, b] {
            kill(node.process.processIdentifier, SIGTERM)
            node.process.waitUntilExit()
            #expect(node.process.terminationStatus == 0)
        }
        let digests = try [a, b].map { try ReadModelDigest.compute(DatabaseQueue(path: $0.data.readModels.path)) }
        #expect(digests[0].tables["notifications_log"] == digests[1].tables["notifications_log"])
        #expect(digests[0] == digests[1], "first difference: \(digests[0].firstDifference(from: digests[1]) ?? "-")")
        for node in [a, b] {
            let (process, out, err) = try avisoProcess(["verify", "--data", node.data.url.path, "--ledger", ledger])
            _ = out.fileHandleForReading.readDataToEndOfFile()
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(errors)")
        }
    }
}
