import AvisoLedger
import AvisoProjections
import AvisoScheduler
import Foundation
import Logging
import ServiceLifecycle

/// `aviso serve`'s WhatsApp account sync: once at start, then daily, and sooner when a send
/// came back with a template error (132000/132001/132015/132016), because then the catalogue
/// Aviso holds is stale. A sync that failed is logged and tried again an hour later.
public struct WhatsAppSyncService: Service {
    let sync: WhatsAppAccountSync
    let store: AvisoStore
    let logger: Logger
    let interval: Duration
    let tick: Duration

    public init(sync: WhatsAppAccountSync, store: AvisoStore, logger: Logger, interval: Duration = .seconds(24 * 3600),
                tick: Duration = .seconds(300)) {
        self.sync = sync
        self.store = store
        self.logger = logger
        self.interval = interval
        self.tick = tick
    }

    public func run() async throws {
        var lastSync: Date?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Date()
            do {
                let due = lastSync.map { now.timeIntervalSince($0) >= Double(interval.components.seconds) } ?? true
                let stale = try lastSync.map { last in
                    try store.read { try WhatsAppAccountReadModel.templateErrorSince($0, utc: Timestamps.utc(last)) }
                } ?? false
                if due || stale {
                    let summary = try await sync.run(now: now)
                    // A sync that could not read everything is tried again in an hour, not the next day.
                    lastSync = summary.errors.isEmpty ? now : now.addingTimeInterval(3600 - Double(interval.components.seconds))
                    logger.info("whatsapp account synced", metadata: [
                        "templates": "\(summary.templatesFetched)", "changed": "\(summary.templatesChanged)",
                        "health_changed": "\(summary.healthChanged)", "errors": "\(summary.errors.joined(separator: "; "))",
                        "why": "\(stale ? "template error from a send" : "daily")",
                    ])
                }
            } catch {
                logger.error("whatsapp account sync failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
        }
    }
}
