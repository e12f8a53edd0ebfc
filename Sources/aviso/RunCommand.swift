import ArgumentParser
import AvisoLedger
import AvisoProjections
import AvisoMessaging
import AvisoScheduler
import AvisoServer
import Foundation
import Logging

/// Options shared by `aviso run` and `aviso reactivate`.
struct SchedulerRunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Business clock, ISO 8601 (tests, replaying a day). Default: now.", valueName: "ISO8601"))
    var now: String?
    @Flag(name: .customLong("dry-run"), help: "Print what a real run at --now would do, with reasons; append nothing, contact no one.")
    var dryRun = false
    @Flag(help: "Print the summary as one JSON object: due, sent, deferred, skipped (reason → count), failed, unknown.")
    var json = false
    @Flag(help: "Also log each message on stderr as it is sent (by default only warnings and the summary).")
    var verbose = false

    /// A bar per step (deciding, sending) on a terminal; none with --json or --verbose.
    func progress(_ command: String) -> SteppedProgress? {
        SteppedProgress(command, enabled: !json && !verbose)
    }

    func clock() throws -> Date {
        guard let now else { return Date() }
        do {
            return try StrictInstant.parse(now)
        } catch {
            throw ValidationError("--now \(error)")
        }
    }

    func print(_ summary: AvisoScheduler.RunSummary) throws {
        if json {
            try printJSONLine(summary.jsonObject)
        } else {
            Swift.print(summary.text)
        }
    }

    /// A dry run: the same summary, then each message and what would become of it.
    func print(_ plan: RunPlan) throws {
        if json {
            var object = plan.summary.jsonObject
            object["dry_run"] = true
            object["messages"] = plan.messages.map(Self.jsonObject)
            try printJSONLine(object)
        } else {
            Swift.print("dry run: nothing recorded, nothing sent")
            Swift.print(plan.summary.text)
            for message in plan.messages { Swift.print(message.line) }
        }
    }

    static func jsonObject(_ m: PlannedMessage) -> [String: Any] {
        var out: [String: Any] = ["client": m.clientId, "stage": m.stage, "channel": m.channel.rawValue,
                                  "decision": m.decision.rawValue, "covers": m.covers]
        if let v = m.installmentId { out["installment"] = v }
        if let v = m.templateStage { out["template"] = v }
        if let v = m.reason { out["reason"] = v }
        if let v = m.detail { out["detail"] = v }
        if let v = m.notBefore { out["not_before"] = Timestamps.utc(v) }
        return out
    }
}

/// Opens the store, loads the shipped default templates if it has none, and hands `body`
/// the scheduler over the real send path (providers from the environment, dry-run for any
/// whose variables are missing, or for every message with --dry-run).
func withScheduler(_ data: DataOptions, _ options: SchedulerRunOptions, plan kind: Scheduler.PlanKind,
                   _ body: (Scheduler, Date, RunProgressHandler?) async throws -> AvisoScheduler.RunSummary) async throws {
    let now = try options.clock()
    // One line per message is for --verbose: a day's run would print thousands.
    let level: Logger.Level = options.verbose ? .info : .warning
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    let store = try data.openStore()
    defer { store.close() }
    do {
        // The composition root: the one place this command reads the providers' variables.
        let providers = ProviderConfiguration(environment: ProcessInfo.processInfo.environment)
        let sender = try MessagingDispatcher.sender(for: store, configuration: providers)
        let scheduler = Scheduler.live(store: store, sender: sender)
        // A dry run changes nothing, not even the default templates of a new data directory.
        if options.dryRun { return try options.print(try scheduler.plan(now: now, kind: kind)) }
        try await DefaultTemplateSeed.loadIfEmpty(store: store)
        let bar = options.progress(kind == .stages ? "run" : "reactivate")
        let summary: AvisoScheduler.RunSummary
        do {
            defer { bar?.finish() }
            let progress: RunProgressHandler? = bar.map { bar in
                { @Sendable in bar.update(step: $0.step.rawValue, done: $0.done, total: $0.total) }
            }
            summary = try await body(scheduler, now, progress)
        }
        try options.print(summary)
    } catch let failure as CommandFailure {
        throw failure
    } catch {
        throw CommandFailure(error)
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Decide today's reminder stages (local date in the settings' time zone) and send them.",
        discussion: """
            Recovers sends a dead run left unfinished (they become `unknown`, never re-sent), sends deferred \
            messages whose quiet hours are over, then finds the stages due today (D-15, D-2, D-1, D0, D+1, D+3, \
            WEEKLY_n) and applies the governance rules. Safe to run twice or in several processes at once: \
            each message is decided exactly once. A day without a run is not caught up later.
            """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var options: SchedulerRunOptions

    func run() async throws {
        try await withScheduler(data, options, plan: .stages) { scheduler, now, progress in
            try await scheduler.run(now: now, dryRun: false, progress: progress)
        }
    }
}

struct ReactivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reactivate",
        abstract: "Send the weekly reactivation summaries (REACTIVATE_PENDING, REACTIVATE_OVERDUE).",
        discussion: """
            REACTIVATE_PENDING: clients with an installment in pending_confirmation for at least N days. \
            REACTIVATE_OVERDUE: clients with an overdue installment, one summary (total owed, oldest due date). \
            Each at most once per interval (default 7 days), under the same governance rules as `aviso run`.
            """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var options: SchedulerRunOptions

    func run() async throws {
        try await withScheduler(data, options, plan: .reactivation) { scheduler, now, progress in
            try await scheduler.reactivate(now: now, dryRun: false, progress: progress)
        }
    }
}
