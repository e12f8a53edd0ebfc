import ArgumentParser
import AvisoLedger
import AvisoProjections
import AvisoLedger
import Foundation

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild every read model from the ledger into a fresh SQLite file and swap it in.",
        discussion: """
            Refuses while another Aviso process (such as the server) has the read models open. With --projection, \
            rebuilds only that projection, aside, while other processes keep running.
            """
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Rebuild only this projection: \(NamedProjection.all.map(\.name).joined(separator: ", ")).")
    var projection: String?

    func run() async throws {
        try data.requireExisting()
        if let part = data.directory.unwritablePart() {
            throw CommandFailure(message: "\(part); `aviso replay` must write the read models")
        }
        do {
            let bar = ProgressBar("replay", total: try Self.ledgerSize(data.directory))
            defer { bar?.finish() }
            let progress = bar.map { bar in { (done: Int) in bar.update(done) } }
            let report: ReplayReport
            if let projection {
                let store = try data.openStore()
                defer { store.close() }
                report = try store.rebuild(projection: projection, progress: progress)
            } else {
                report = try Replay.rebuild(data.directory, progress: progress)
            }
            print("replayed \(report.events) events in \(String(format: "%.2f", report.seconds)) s (\(Int(report.eventsPerSecond)) events/s)")
        } catch let error as ProjectionError {
            throw CommandFailure(error)
        }
    }
}

extension ReplayCommand {
    /// How many records a full replay applies, for the progress bar.
    static func ledgerSize(_ directory: DataDirectory) throws -> Int {
        let ledger = try Ledger(readingOnly: directory.ledgerLocation)
        defer { ledger.close() }
        return Int(try ledger.head().position)
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the ledger's hash chain and that the read models equal a fresh replay."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Also check this signed checkpoint note: its signature, and that the ledger has its hash at its size and extends it.")
    var checkpoint: String?
    @Option(name: .customLong("public-key"), help: "The verifier key for --checkpoint (default: AVISO_CHECKPOINT_PUBLIC_KEY, a file path).")
    var publicKey: String?

    func run() async throws {
        try data.requireExisting()
        if let checkpoint { try verifyCheckpoint(checkpoint) }
        let report: VerificationReport
        do {
            let bar = ProgressBar("verify", total: try ReplayCommand.ledgerSize(data.directory))
            defer { bar?.finish() }
            let progress = bar.map { bar in { (done: Int) in bar.update(done) } }
            if data.directory.unwritablePart() != nil {
                let store = try ReadOnlyStore(directory: data.directory)
                defer { store.close() }
                report = try Verification.run(store, progress: progress)
            } else {
                let store = try data.openStore()
                defer { store.close() }
                report = try Verification.run(store, progress: progress)
            }
        } catch {
            throw CommandFailure(error)
        }
        let checked = "\(report.head.position) events, hash chain intact; \(report.tables) read models equal a fresh replay"
        // Unreadable records are not damage, but the read models leave them out: say so and fail.
        if let unreadable = UndecodableRecords.summary(count: report.undecodableCount, first: report.undecodable.first) {
            print(checked)
            throw CommandFailure(message: unreadable)
        }
        print("ok: \(checked)")
    }

    private func verifyCheckpoint(_ path: String) throws {
        guard let keyPath = publicKey ?? ProcessInfo.processInfo.environment["AVISO_CHECKPOINT_PUBLIC_KEY"] else {
            throw CommandFailure(message: "--checkpoint needs --public-key FILE (or AVISO_CHECKPOINT_PUBLIC_KEY)")
        }
        do {
            let verifier = try CheckpointVerifier(parsing: try String(contentsOfFile: keyPath, encoding: .utf8))
            let note = try CheckpointNote(parsing: try String(contentsOfFile: path, encoding: .utf8))
            let ledger = try Ledger(readingOnly: data.directory.ledgerLocation)
            defer { ledger.close() }
            try CheckpointAudit.check(ledger, notes: [note], verifier: verifier)
            print("ok: checkpoint \(note.size) of \(note.origin), signed by \(verifier.name), is in this ledger and it extends it")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error)
        }
    }
}
