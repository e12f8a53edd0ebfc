import AvisoTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15's session test on two `aviso serve` nodes sharing one PostgreSQL ledger (each with
/// its own read models): a session started on one node is honoured by the other at once, a
/// sign-out on either ends it on both, and failed logins spread over both meet one limit. A
/// node answering a session lookup catches up with the shared log first (`AuthLog.readCurrent`),
/// so none of this waits for LISTEN/NOTIFY or polling.
extension TwoNodeTests {
    /// The admin's password `startNode` gives the first node.
    static let adminPassword = "una-contraseña-larga"

    /// POST /login as admin on `node`: the status, and the session cookie and CSRF token when it signed in.
    func login(_ node: Node, password: String) async throws -> (status: Int, cookie: String, csrf: String) {
        let body = try JSONSerialization.data(withJSONObject: ["login": "admin", "password": password])
        let request = TestClient.Request("/login", method: .post, authority: "127.0.0.1:\(node.port)",
                                         headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body))
        let response = try await TestClient.withClient(host: "127.0.0.1", port: node.port, configuration: .init(timeout: .seconds(10))) {
            try await $0.execute(request)
        }
        let cookie = response.headers[.setCookie]?.split(separator: ";").first.map(String.init) ?? ""
        let answer = response.body.flatMap { try? JSONSerialization.jsonObject(with: Data(buffer: $0)) as? [String: Any] }
        return (Int(response.status.code), cookie, answer?["csrfToken"] as? String ?? "")
    }

    func stop(_ nodes: [Node]) {
        for node in nodes {
            kill(node.process.processIdentifier, SIGTERM)
            node.process.waitUntilExit()
        }
    }

    @Test func aSessionStartedOnNodeAIsHonouredOnNodeBAndASignOutOnBEndsItOnA() async throws {
        let (_, a, b, bHealth) = try await startTwoNodes()
        defer { killAll([a, b]) }
        try #require(bHealth != nil, "node B did not start")

        let signedIn = try await login(a, password: Self.adminPassword)
        try #require(signedIn.status == 200 && !signedIn.cookie.isEmpty && !signedIn.csrf.isEmpty, "\(signedIn.status)")
        let session = (cookie: signedIn.cookie, csrf: signedIn.csrf)

        // B knows the session, CSRF token included, on its first request.
        let onB = try await ServeOutputTests.call(b.port, "/api/session", headers: [.cookie: session.cookie])
        #expect(onB.status == 200 && onB.body.contains(session.csrf), "\(onB.status) \(onB.body)")

        // Signed out on B: A refuses the session on its next request, and so does B.
        let out = try await ServeOutputTests.call(b.port, "/logout", method: .post, headers: .session(session))
        #expect(out.status == 200, "\(out.body)")
        for node in [a, b] {
            let after = try await ServeOutputTests.call(node.port, "/api/session", headers: [.cookie: session.cookie])
            #expect(after.status == 401, "node on port \(node.port) still honours a signed-out session: \(after.status)")
        }
        stop([a, b])
    }

    @Test func failedLoginsSpreadOverBothNodesMeetOneLimit() async throws {
        let (_, a, b, bHealth) = try await startTwoNodes()
        defer { killAll([a, b]) }
        try #require(bHealth != nil, "node B did not start")

        // Five wrong passwords (the default limit per login and address), alternating A, B, A, B, A:
        // neither node saw five on its own.
        for i in 0..<5 {
            let node = i % 2 == 0 ? a : b
            let wrong = try await login(node, password: "wrong-guess-\(i)")
            #expect(wrong.status == 401, "guess \(i) on port \(node.port): \(wrong.status)")
        }
        // Both refuse even the right password now.
        for node in [b, a] {
            let refused = try await login(node, password: Self.adminPassword)
            #expect(refused.status == 429 && refused.cookie.isEmpty, "node on port \(node.port): \(refused.status)")
        }
        stop([a, b])
    }
}
