import AvisoLedger
import AvisoProjections
import Logging
import ServiceLifecycle

/// `aviso serve`'s periodic checkpoints: at start and then every `interval`, once the log has
/// grown, walks the chain from the last verified head and signs the new head into
/// `<data>/checkpoints` (what `GET /checkpoint` serves). A failed walk signs nothing and is
/// logged as an error: a broken chain must not get a signature.
public struct CheckpointService: Service {
    let ledger: Ledger
    let settings: CheckpointSettings
    let interval: Duration
    let files: CheckpointFiles
    let logger: Logger

    public init(store: AvisoStore, settings: CheckpointSettings, interval: Duration, logger: Logger) {
        ledger = store.ledger
        self.settings = settings
        self.interval = interval
        files = CheckpointFiles(directory: store.directory.checkpoints)
        self.logger = logger
    }

    public func run() async throws {
        var chain = CheckpointChain(settings: settings, files: files)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if let note = try chain.sign(ledger, onlyIfGrown: true) {
                    logger.info("checkpoint signed", metadata: ["size": "\(note.size)", "origin": "\(note.origin)"])
                }
            } catch {
                logger.error("checkpoint not signed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
