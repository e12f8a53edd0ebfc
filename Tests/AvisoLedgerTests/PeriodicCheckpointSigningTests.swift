@testable import AvisoLedger
import Foundation
import Testing

/// `serve`'s periodic checkpoints (issue 17): the settings a lender gives, and the signing
/// that walks only what was appended since its last checkpoint.
@Suite struct PeriodicCheckpointSigningTests {
    static func keyFile(_ signer: CheckpointSigner) throws -> String {
        let path = makeTemporaryDirectory("key").appendingPathComponent("checkpoint.key").path
        try signer.privateKeyFile.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func settingsFollowWhatALenderSet() throws {
        let signer = try CheckpointSigner.generate(name: "prestamos.example.gt")
        let key = try Self.keyFile(signer)
        #expect(try CheckpointSettings.fromEnvironment([:]) == nil)
        #expect(try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_INTERVAL": "off"]) == nil)
        // A key alone: every hour, under the key's name.
        let hourly = try #require(try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": key]))
        #expect(hourly.interval == .seconds(3600) && hourly.intervalText == "1h" && hourly.origin == "prestamos.example.gt/ledger")
        let often = try #require(try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": key, "AVISO_CHECKPOINT_INTERVAL": "15m",
                                                                          "AVISO_CHECKPOINT_ORIGIN": "aviso.example.gt/log"]))
        #expect(often.interval == .seconds(900) && often.intervalText == "15m" && often.origin == "aviso.example.gt/log")
        #expect(try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": key, "AVISO_CHECKPOINT_INTERVAL": "off"])?.interval == nil)
        #expect(try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": key, "AVISO_CHECKPOINT_INTERVAL": "90"])?.interval == .seconds(90))
        // Refused: an interval without a key, an interval that is not one, a key that is not one.
        #expect(throws: CheckpointError.self) { try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_INTERVAL": "1h"]) }
        for bad in ["soon", "-5m", "1w", "h"] {
            #expect(throws: CheckpointError.self) { try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": key, "AVISO_CHECKPOINT_INTERVAL": bad]) }
        }
        #expect(throws: CheckpointError.self) { try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": "/nonexistent/key"]) }
    }

    @Test func eachCheckpointWalksOnFromTheLastAndARewriteBeneathItIsRefused() async throws {
        let signer = try CheckpointSigner.generate(name: "prestamos.example.gt")
        let settings = try #require(try CheckpointSettings.fromEnvironment(["AVISO_CHECKPOINT_KEY": try Self.keyFile(signer)]))
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        try await ledger.append((1...5).map { NewEvent(sampleClient($0), actor: "import") })
        var chain = CheckpointChain(settings: settings, files: CheckpointFiles(directory: makeTemporaryDirectory("checkpoints")))
        let first = try #require(try chain.sign(ledger, onlyIfGrown: true))
        #expect(try first.size == 5 && chain.verified == ledger.head())
        #expect(try chain.sign(ledger, onlyIfGrown: true) == nil, "nothing new to vouch for")
        try await ledger.append((6...8).map { NewEvent(sampleClient($0), actor: "import") })
        let second = try #require(try chain.sign(ledger, onlyIfGrown: true))
        #expect(try second.size == 8 && chain.files.latest() == second)
        try CheckpointAudit.check(ledger, notes: [first, second], verifier: signer.verifier)

        // The record the last checkpoint ended at is rewritten: the next walk, starting there, refuses to sign.
        try await ledger.append(sampleClient(9), actor: "import")
        try ledger.overwriteRaw(position: 8) { value in value[value.count - 1] ^= 0x01 }  // a new hash for it
        #expect(throws: LedgerError.self) { try chain.sign(ledger, onlyIfGrown: true) }
        #expect(try chain.files.latest() == second)
    }
}
