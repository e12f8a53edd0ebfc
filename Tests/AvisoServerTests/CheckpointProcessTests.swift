import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import AvisoTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 17's signed checkpoints through the real binary: an auditor with a copy of the
/// ledger, two saved checkpoints and the public key proves nothing was rewritten between them.
@Suite(.serialized) struct CheckpointProcessTests {
    struct Finished {
        var status: Int32
        var out: String
        var err: String
    }

    static func aviso(_ arguments: [String], environment: [String: String] = [:]) throws -> Finished {
        let (process, out, err) = try avisoProcess(arguments, environment: environment)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Finished(status: process.terminationStatus, out: stdout, err: stderr)
    }

    static func clients(_ ids: ClosedRange<Int>, into store: AvisoStore) async throws {
        for i in ids {
            try await store.append(.clientUpserted(ClientUpserted(id: "C\(i)", name: "Cliente \(i)", phone: "5555-\(1000 + i)",
                                                                  phoneCountryCode: "GT", advisor: nil, preferredChannel: .sms)),
                                   actor: "import")
        }
    }

    @Test func anAuditorProvesNothingWasRewrittenAndARewriteFails() async throws {
        let env = try await TestEnvironment.make(seed: false)
        defer { env.cleanUp() }
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: keys) }
        let privateKey = keys.appendingPathComponent("checkpoint.key").path
        let publicKey = keys.appendingPathComponent("checkpoint.pub").path

        let keygen = try Self.aviso(["checkpoint", "keygen", "--name", "prestamos.example.gt", "--out", privateKey])
        #expect(keygen.status == 0 && keygen.out.hasPrefix("prestamos.example.gt+"))
        try keygen.out.write(toFile: publicKey, atomically: true, encoding: .utf8)
        let attributes = try FileManager.default.attributesOfItem(atPath: privateKey)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(!keygen.out.contains(try String(contentsOfFile: privateKey, encoding: .utf8).split(separator: "+")[2]))

        let data = env.directory.path
        let signing = ["AVISO_CHECKPOINT_KEY": privateKey]
        #expect(try Self.aviso(["checkpoint", "--data", data]).status != 0)  // no key: refused, says why
        try await Self.clients(1...5, into: env.store)
        let first = try Self.aviso(["checkpoint", "--data", data], environment: signing)
        #expect(first.status == 0, "\(first.err)")
        let old = keys.appendingPathComponent("old.note").path
        try first.out.write(toFile: old, atomically: true, encoding: .utf8)
        try await Self.clients(6...9, into: env.store)
        let second = try Self.aviso(["checkpoint", "sign", "--data", data], environment: signing)
        let new = keys.appendingPathComponent("new.note").path
        try second.out.write(toFile: new, atomically: true, encoding: .utf8)
        #expect(try CheckpointNote(parsing: second.out).size == 9)

        let verified = try Self.aviso(["verify", "--data", data, "--checkpoint", old, "--public-key", publicKey])
        #expect(verified.status == 0 && verified.out.contains("checkpoint 5"), "\(verified.err)")
        let audited = try Self.aviso(["audit", "--ledger-copy", data, "--checkpoint", old, "--checkpoint", new, "--public-key", publicKey])
        #expect(audited.status == 0 && audited.out.contains("5 → 9"), "\(audited.err)")

        // The server serves the latest note, as stored.
        try await env.test { client in
            try await client.execute(uri: "/checkpoint", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == second.out)
            }
        }

        // Someone rebuilds the log from record 3 on with a valid chain: verify alone is happy, the audit is not.
        let forgery = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("aviso-forged-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: forgery.url) }
        let forged = try AvisoStore(directory: forgery)
        try await Self.clients(1...2, into: forged)
        try await Self.clients(103...109, into: forged)
        forged.close()
        #expect(try Self.aviso(["verify", "--data", forgery.url.path]).status == 0)
        let caught = try Self.aviso(["audit", "--ledger-copy", forgery.url.path, "--checkpoint", old, "--checkpoint", new,
                                     "--public-key", publicKey])
        #expect(caught.status != 0 && caught.err.contains("rewritten"), "\(caught.err)")
        let caughtByVerify = try Self.aviso(["verify", "--data", forgery.url.path, "--checkpoint", new, "--public-key", publicKey])
        #expect(caughtByVerify.status != 0)

        // A data directory whose ledger is shorter than its latest checkpoint is refused.
        let truncated = DataDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("aviso-short-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: truncated.url) }
        let short = try AvisoStore(directory: truncated)
        try await Self.clients(1...3, into: short)
        short.close()
        try FileManager.default.copyItem(at: env.directory.appendingPathComponent("checkpoints"), to: truncated.checkpoints)
        let refused = try Self.aviso(["log", "--data", truncated.url.path])
        #expect(refused.status != 0 && refused.err.contains("records are missing"), "\(refused.err)")
    }
}
