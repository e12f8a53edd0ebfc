import AvisoLedger
import AvisoProjections
import AvisoScheduler
import Foundation
import Logging
import ServiceLifecycle

/// `aviso serve`'s clock: every minute it drains deferred messages (and recovers sends a dead
/// process left unfinished), and once the settings' local run/reactivate time has come it runs
/// the day's reminders and reactivation. Runs are idempotent per local day, so a restart after
/// the run time simply runs again and appends nothing new.
public struct SchedulerService: Service {
    let store: AvisoStore
    let scheduler: Scheduler
    let logger: Logger
    let tick: Duration

    public init(store: AvisoStore, scheduler: Scheduler, logger: Logger, tick: Duration = .seconds(60)) {
        self.store = store
        self.scheduler = scheduler
        self.logger = logger
        self.tick = tick
    }

    public func run() async throws {
        var lastRun: LocalDay?
        var lastReactivate: LocalDay?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Date()
            do {
                let settings = try store.read { try MessagingSettings.current($0) }
                let today = LocalDay(now, in: settings.zone)
                let minute = LocalClock.minuteOfDay(now, in: settings.zone)
                let drained = try await scheduler.drain(now: now, dryRun: false)
                if drained.sent + drained.unknown + drained.failed > 0 {
                    logger.info("drained deferred messages", metadata: ["sent": "\(drained.sent)", "unknown": "\(drained.unknown)"])
                }
                if lastRun != today, let runAt = LocalClock.parseMinute(settings.runTime), minute >= runAt {
                    let summary = try await scheduler.run(now: now, dryRun: false)
                    lastRun = today
                    logger.info("reminders run", metadata: ["due": "\(summary.due)", "sent": "\(summary.sent)", "deferred": "\(summary.deferred)"])
                }
                if lastReactivate != today, let reactivateAt = LocalClock.parseMinute(settings.reactivateTime), minute >= reactivateAt {
                    let summary = try await scheduler.reactivate(now: now, dryRun: false)
                    lastReactivate = today
                    logger.info("reactivation run", metadata: ["due": "\(summary.due)", "sent": "\(summary.sent)"])
                }
            } catch {
                logger.error("scheduler tick failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
        }
    }
}
