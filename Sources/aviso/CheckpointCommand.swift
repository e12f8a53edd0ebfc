import ArgumentParser
import AvisoLedger
import AvisoProjections
import Foundation

/// `aviso checkpoint`: signs the ledger's current size and head hash (C2SP tlog-checkpoint),
/// keeps it in `<data>/checkpoints`, prints it. `aviso checkpoint keygen` makes the key.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a checkpoint of the ledger (its size and head hash) that an outside auditor can check.",
        subcommands: [Sign.self, Keygen.self],
        defaultSubcommand: Sign.self
    )

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Sign the ledger's head with the key at AVISO_CHECKPOINT_KEY (kept outside the data directory).",
            discussion: "The note goes to <data>/checkpoints/<size>.note and latest.note, and to stdout."
        )

        @OptionGroup var data: DataOptions
        @Option(help: "The log's name in the note (default: AVISO_CHECKPOINT_ORIGIN, else `<key name>/ledger`).") var origin: String?

        func run() async throws {
            do {
                guard let settings = try CheckpointSettings.fromEnvironment(ProcessInfo.processInfo.environment, origin: origin) else {
                    throw CommandFailure(message: "AVISO_CHECKPOINT_KEY is not set: give the path of the signing key (`aviso checkpoint keygen` makes one)")
                }
                let ledger = try Ledger(readingOnly: data.directory.ledgerLocation)
                defer { ledger.close() }
                var chain = CheckpointChain(settings: settings, files: CheckpointFiles(directory: data.directory.checkpoints))
                guard let note = try chain.sign(ledger) else { return }
                print(note.text, terminator: "")
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure(error)
            }
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make an Ed25519 signing key; print its public (verifier) key for auditors."
        )

        @Option(help: "The key's name, e.g. the lender's domain.") var name: String
        @Option(help: "Where to write the private key (mode 0600; keep it outside the data directory).") var out: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CommandFailure(message: "\(out) exists: not overwriting a key")
            }
            do {
                let signer = try CheckpointSigner.generate(name: name)
                guard FileManager.default.createFile(atPath: out, contents: Data(signer.privateKeyFile.utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw CommandFailure(message: "cannot write \(out)")
                }
                print(signer.verifier.text, terminator: "")
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure(error)
            }
        }
    }
}

/// `aviso audit`: with a copy of the ledger, two (or more) saved checkpoints and the public
/// key — no server, no private key — checks that the newer checkpoint extends the older one.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check that signed checkpoints hold over a copy of the ledger: nothing rewritten between them."
    )

    @Option(name: .customLong("ledger-copy"), help: "A copy of the ledger: its folder, or a data directory holding ledger/.") var ledgerCopy: String
    @Option(name: .customLong("checkpoint"), help: "A saved checkpoint note, oldest first; repeat the option.") var checkpoints: [String]
    @Option(name: .customLong("public-key"), help: "The verifier key (`aviso checkpoint keygen` printed it).") var publicKey: String

    func run() async throws {
        guard !checkpoints.isEmpty else { throw CommandFailure(message: "give at least one --checkpoint") }
        do {
            let verifier = try CheckpointVerifier(parsing: try String(contentsOfFile: publicKey, encoding: .utf8))
            let notes = try checkpoints.map { try CheckpointNote(parsing: try String(contentsOfFile: $0, encoding: .utf8)) }
                .sorted { $0.size < $1.size }
            var folder = URL(fileURLWithPath: ledgerCopy)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("ledger/data.mdb").path) {
                folder.appendPathComponent("ledger")
            }
            let ledger = try Ledger(readingOnly: folder)
            defer { ledger.close() }
            let head = try CheckpointAudit.check(ledger, notes: notes, verifier: verifier)
            let sizes = notes.map { String($0.size) }.joined(separator: " → ")
            print("ok: checkpoints \(sizes) signed by \(verifier.name); the copy's chain is intact to \(head.position) and extends each of them")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error)
        }
    }
}
