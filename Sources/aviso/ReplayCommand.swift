import ArgumentParser
import AvisoProjections
import Foundation

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild every read model from the ledger into a fresh SQLite file and swap it in.",
        discussion: "Refuses while another Aviso process (such as the server) has the read models open."
    )

    @OptionGroup var data: DataOptions

    func run() async throws {
        do {
            let report = try Replay.rebuild(data.directory)
            print("replayed \(report.events) events in \(String(format: "%.2f", report.seconds)) s (\(Int(report.eventsPerSecond)) events/s)")
        } catch let error as ProjectionError {
            throw CommandFailure(error)
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the ledger's hash chain and that the read models equal a fresh replay."
    )

    @OptionGroup var data: DataOptions

    func run() async throws {
        do {
            let store = try data.openStore()
            defer { store.close() }
            let report = try Verification.run(store)
            print("ok: \(report.head.position) events, hash chain intact; \(report.tables) read models equal a fresh replay")
        } catch {
            throw CommandFailure(error)
        }
    }
}
