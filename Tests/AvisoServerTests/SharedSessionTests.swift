import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import AvisoTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Issue 15: sessions are ledger events, so every Aviso process reading the same log honours
/// the same sign-ins and sign-outs (and a restart signs nobody out). Before, sessions lived in
/// one process's memory: another process never knew them, and `aviso user disable` could not
/// end a session in the running server.
@Suite(.serialized) struct SharedSessionTests {
    static func serve(_ directory: URL, port: Int) throws -> Process {
        let process = Process()
        process.executableURL = try avisoBinary()
        process.arguments = ["serve", "--data", directory.path, "--port", "\(port)"]
        process.environment = ProcessInfo.processInfo.environment.merging(["AVISO_BCRYPT_COST": "4", "AVISO_TRUST_PROXY": "1"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runSerialized()
        return process
    }

    static func waitUntilUp(_ port: Int, _ process: Process) async throws {
        let deadline = Date().addingTimeInterval(60)
        while (try? await ServeOutputTests.call(port, "/healthz"))?.status != 200 {
            try #require(Date() < deadline && process.isRunning, "aviso serve did not start")
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func aSignInOnOneProcessIsHonouredByAnotherAndASignOutThereEndsItHere() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            // Node A (this process) signs the asesor in.
            let session = try await client.login("asesor")
            let port = try ChromeDriverProcess.freePort()
            let nodeB = try Self.serve(env.directory, port: port)
            defer {
                if nodeB.isRunning { nodeB.terminate() }
                nodeB.waitUntilExit()
            }
            try await Self.waitUntilUp(port, nodeB)

            // Node B (another process on the same ledger) knows the session, CSRF token included.
            let onB = try await ServeOutputTests.call(port, "/api/session", headers: [.cookie: session.cookie])
            #expect(onB.status == 200, "\(onB.body)")
            #expect(onB.body.contains(session.csrf))

            // Signing out on B ends it on A too.
            let out = try await ServeOutputTests.call(port, "/logout", method: .post, headers: .session(session))
            #expect(out.status == 200, "\(out.body)")
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: session.cookie]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func disablingAUserFromTheCommandLineEndsTheirSessionInTheRunningServer() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let session = try await client.login("asesor")
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: session.cookie]) {
                #expect($0.status == .ok)
            }
            let (process, _, err) = try avisoProcess(["user", "disable", "--login", "asesor", "--data", env.directory.path])
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(stderr)")
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: session.cookie]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func theLedgerHoldsNeitherTheSessionIdNorItsCSRFToken() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let seen = Mutex<[String]>([])
        try await env.test { client in
            let session = try await client.login("admin")
            seen.withLock { $0 = [String(session.cookie.split(separator: "=")[1]), session.csrf] }
        }
        let secrets = seen.withLock { $0 }
        try #require(secrets.count == 2)
        var payloads = ""
        var started: [SessionStarted] = []
        try env.store.ledger.forEachRecord { record in
            payloads += String(decoding: record.payload, as: UTF8.self) + record.actor
            if case let .sessionStarted(e) = try record.decodeEvent() { started.append(e) }
        }
        #expect(started.count == 1)
        #expect(started.first?.sessionDigest == Secrets.digest(secrets[0]))
        for secret in secrets { #expect(!payloads.contains(secret)) }
        let tables = try env.store.read { db in try String.fetchAll(db, sql: "SELECT digest || user_id FROM sessions") }.joined()
        for secret in secrets { #expect(!tables.contains(secret)) }
        env.assertLogsClean(secrets)
    }

    @Test func aPasswordResetEndsEverySessionOfTheUserAndTheUsersPageShowsTheLastLogin() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        try await env.test { client in
            let admin = try await client.login("admin")
            let asesor = try await client.login("asesor")
            try await client.execute(uri: "/usuarios", method: .get, headers: .session(admin, json: false)) { response in
                let page = String(buffer: response.body)
                #expect(page.contains("Último ingreso"))
                let row = page.components(separatedBy: "id=\"usuario-otroasesor\"").last?.components(separatedBy: "</tr>").first ?? ""
                #expect(row.contains("Nunca"))
            }
            let userId = try #require(try env.store.read { db in try String.fetchOne(db, sql: "SELECT id FROM users WHERE login = 'asesor'") })
            try await client.execute(uri: "/usuarios", method: .post,
                                     headers: [.cookie: admin.cookie, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "_csrf=\(admin.csrf)&usuario=\(userId)&accion=restablecer")) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: asesor.cookie]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    /// The login throttle counts failures from every process on the log: guesses spread over
    /// two nodes behind a load balancer hit the same limit as on one.
    @Test func failedLoginsOnOneProcessCountOnTheOther() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let port = try ChromeDriverProcess.freePort()
        let nodeB = try Self.serve(env.directory, port: port)
        defer {
            if nodeB.isRunning { nodeB.terminate() }
            nodeB.waitUntilExit()
        }
        try await Self.waitUntilUp(port, nodeB)
        let forwarded = HTTPField.Name("X-Forwarded-For")!
        // Five wrong passwords for admin from one address, all on node B (the default limit).
        for i in 0..<5 {
            let body = #"{"login":"admin","password":"wrong-guess-\#(i)"}"#
            let answer = try await ServeOutputTests.call(port, "/login", method: .post,
                                                         headers: [.contentType: "application/json", forwarded: "10.44.0.1"], body: body)
            #expect(answer.status == 401, "\(answer.body)")
        }
        // Node A (this process) refuses that login from that address, even the right password.
        try await env.test { client in
            let body = try JSONSerialization.data(withJSONObject: ["login": "admin", "password": TestSecrets.passwords["admin"]!])
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/json", forwarded: "10.44.0.1"],
                                     body: ByteBuffer(bytes: body)) { #expect($0.status == .tooManyRequests) }
            // From another address the owner still signs in.
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/json", forwarded: "10.44.0.2"],
                                     body: ByteBuffer(bytes: body)) { #expect($0.status == .ok) }
        }
        // Nothing typed was recorded: neither the login nor the address, only their keys.
        var payloads = ""
        try env.store.ledger.forEachRecord { record in
            if case .loginFailed = try record.decodeEvent() { payloads += String(decoding: record.payload, as: UTF8.self) }
        }
        #expect(payloads.contains("loginKey"))
        for typed in ["admin", "10.44.0.1", "wrong-guess"] { #expect(!payloads.contains(typed)) }
    }
}
