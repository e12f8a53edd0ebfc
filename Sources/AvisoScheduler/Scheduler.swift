import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Logging

/// Who owns the sends a scheduler decides: one id per `Scheduler` instance, plus the process
/// and host so another process can tell whether the owner is still running.
public struct RunOwner: Sendable, Equatable {
    public var runId: String
    public var pid: Int
    public var host: String

    /// This process's owner: one run id per process, shared by every `Scheduler` in it, so a
    /// serve loop's drains and runs never take each other's sends for a dead run's.
    public static func current() -> RunOwner { processOwner }

    private static let processOwner: RunOwner = {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, 255) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        return RunOwner(runId: UUID().uuidString.lowercased(), pid: Int(getpid()), host: host)
    }()

    /// Whether process `pid` on this host is still running (a zombie is not).
    static func processIsAlive(_ pid: Int) -> Bool {
        guard pid > 0 else { return false }
        guard kill(pid_t(pid), 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
            if state == "Z" || state == "X" { return false }
        }
        #endif
        return true
    }
}

public struct SchedulerOptions: Sendable {
    /// At most this many candidates per exclusive `appendDeciding` (a client's candidates never split).
    public var chunkSize = 5_000
    /// And at most about this long under the ledger's write lock, which webhooks wait behind:
    /// the clients left over go to the next decision. 5,000 reactivation candidates held the
    /// lock 2.9 s (webhook p99 1.8 s while `aviso serve` ran its reactivation).
    public var decisionTimeBudget: Duration = .milliseconds(20)
    /// Messages dispatched at once (the ledger groups their appends into one commit).
    public var dispatchConcurrency = 8
    /// A `rendered` message with no result older than this (wall clock) is `unknown` even if
    /// its owner looks alive (its pid may have been reused, or it runs on another host).
    public var sendLease: TimeInterval = 600
    /// A decided message never rendered, older than this (wall clock), is taken over even if
    /// its owner looks alive.
    public var decisionLease: TimeInterval = 6 * 3600
    public var actor = "scheduler"

    public init() {}
}

/// Reminder stages, reactivation and the sending governance (issue 4).
///
/// Every decision happens inside `AvisoStore.appendDeciding`: under LMDB's cross-process
/// write lock, with the read models caught up, the governor reads the counters
/// (`stages_due`, `scheduled_messages`, `message_items`, `daily_counts`, `opt_outs`,
/// `notifications_log`) and returns the events (`StageDue`, `MessageScheduled`,
/// `MessageDeferred`, `MessageSkipped`) that commit in the same transaction. So two runs,
/// in one process or several, can never both decide "not yet sent". Messages decided to go
/// now are dispatched after the decision commits.
public final class Scheduler: Sendable {
    public let store: AvisoStore
    public let dispatcher: any MessageDispatching
    public let options: SchedulerOptions
    public let owner: RunOwner
    let logger = Logger(label: "aviso.scheduler")

    public init(store: AvisoStore, dispatcher: any MessageDispatching,
                options: SchedulerOptions = SchedulerOptions(), owner: RunOwner = .current()) {
        self.store = store
        self.dispatcher = dispatcher
        self.options = options
        self.owner = owner
    }

    // MARK: Entry points

    /// `aviso run`: recover, drain deferred messages, decide today's stages, send.
    public func run(now: Date, dryRun: Bool, progress: RunProgressHandler? = nil) async throws -> RunSummary {
        var summary = try await drain(now: now, dryRun: dryRun, progress: progress)
        let decided = try await decideStages(now: now, progress: progress)
        summary.add(decided.summary)
        summary.add(await dispatch(decided.messages, dryRun: dryRun, progress: progress))
        return summary
    }

    /// `aviso reactivate`: recover, drain, decide the weekly reactivation summaries, send.
    public func reactivate(now: Date, dryRun: Bool, progress: RunProgressHandler? = nil) async throws -> RunSummary {
        var summary = try await drain(now: now, dryRun: dryRun, progress: progress)
        let decided = try await decideReactivation(now: now, progress: progress)
        summary.add(decided.summary)
        summary.add(await dispatch(decided.messages, dryRun: dryRun, progress: progress))
        return summary
    }

    /// Crash recovery and the deferred messages whose window has opened: run at the start of
    /// every run and every minute by the serve loop.
    public func drain(now: Date, dryRun: Bool, progress: RunProgressHandler? = nil) async throws -> RunSummary {
        let recovered = try await recover(now: now)
        var summary = recovered.summary
        summary.add(await dispatch(recovered.messages, dryRun: dryRun, progress: progress))
        return summary
    }

    /// Sends `messages` through the dispatcher, a few at a time, and counts the results.
    public func dispatch(_ messages: [DueMessage], dryRun: Bool, progress: RunProgressHandler? = nil) async -> RunSummary {
        var summary = RunSummary()
        guard !messages.isEmpty else { return summary }
        let dispatcher = self.dispatcher
        await withTaskGroup(of: DispatchResult.self) { group in
            var next = messages.makeIterator()
            var running = 0
            func count(_ result: DispatchResult) {
                switch result {
                case .sent: summary.sent += 1
                case .failed: summary.failed += 1
                case let .ignored(reason): summary.skip("invalid_phone:\(reason)")
                case let .skipped(reason): summary.skip(reason.rawValue)
                }
            }
            while running < max(1, options.dispatchConcurrency), let message = next.next() {
                group.addTask { await dispatcher.dispatch(message, dryRun: dryRun) }
                running += 1
            }
            var done = 0
            while let result = await group.next() {
                count(result)
                done += 1
                progress?(RunProgress(step: .sending, done: done, total: messages.count))
                if let message = next.next() {
                    group.addTask { await dispatcher.dispatch(message, dryRun: dryRun) }
                }
            }
        }
        return summary
    }

    // MARK: Deciding today's stages

    /// Decides (and appends) today's installment stages without sending: the benchmark's unit.
    public func decideStages(now: Date, progress: RunProgressHandler? = nil) async throws -> (summary: RunSummary, messages: [DueMessage]) {
        let candidates = try store.read { db -> [Candidate] in
            let policy = try Policy(db, now: now)
            return try Candidates.stages(db, policy: policy) + Candidates.carryOvers(db, policy: policy)
        }
        return try await decide(Candidates.ordered(candidates), now: now, progress: progress)
    }

    public func decideReactivation(now: Date, progress: RunProgressHandler? = nil) async throws -> (summary: RunSummary, messages: [DueMessage]) {
        let candidates = try store.read { db -> [Candidate] in
            try Candidates.reactivation(db, policy: try Policy(db, now: now))
        }
        return try await decide(Candidates.ordered(candidates), now: now, progress: progress)
    }

    private func decide(_ candidates: [Candidate], now: Date,
                        progress: RunProgressHandler?) async throws -> (summary: RunSummary, messages: [DueMessage]) {
        var summary = RunSummary()
        var messages: [DueMessage] = []
        var decidedCount = 0
        let clients = Candidates.byClient(candidates)
        var next = 0
        while next < clients.count {
            let box = ResultBox<(outcome: Governor.Outcome, end: Int)>()
            let owner = self.owner, actor = options.actor, budget = options.decisionTimeBudget, start = next
            let limit = Candidates.chunkEnd(clients, from: start, size: options.chunkSize)
            try await store.appendDeciding(unaffectedBy: { Scheduler.decisionUnaffected(by: $0) }) { db in
                let policy = try Policy(db, now: now)
                // Paused by an admin: nothing decided, nothing recorded (checked under the write lock).
                guard !policy.settings.isPaused else { box.set((Governor.Outcome(), limit)); return [] }
                var governor = try Governor(db, policy: policy, owner: owner, actor: actor)
                let started = ContinuousClock.now
                var end = start
                // At least one client per decision, so a slow one still moves the run forward.
                while end < limit, end == start || ContinuousClock.now - started < budget {
                    try governor.consider(client: clients[end])
                    end += 1
                }
                box.set((governor.outcome, end))
                return governor.outcome.events
            }
            let (outcome, end) = box.get() ?? (Governor.Outcome(), limit)
            summary.add(outcome.summary)
            messages += outcome.messages
            decidedCount += clients[start..<end].reduce(0) { $0 + $1.count }
            progress?(RunProgress(step: .deciding, done: decidedCount, total: candidates.count))
            next = end
        }
        return (summary, messages)
    }

    // MARK: Plans (dry runs)

    public enum PlanKind: Sendable { case stages, reactivation }

    /// What `run` (`.stages`) or `reactivate` (`.reactivation`) would do at `now`, decided by the
    /// same code in one read transaction: appends nothing, changes nothing, contacts no one.
    /// Messages whose number cannot receive them are reported as the send path would ignore them.
    public func plan(now: Date, kind: PlanKind) throws -> RunPlan {
        try Self.plan(store: store, now: now, kind: kind, options: options, owner: owner)
    }

    /// The same without a send path: a plan never sends, so the console needs no dispatcher.
    public static func plan(store: AvisoStore, now: Date, kind: PlanKind, options: SchedulerOptions = SchedulerOptions(),
                            owner: RunOwner = .current()) throws -> RunPlan {
        try store.read { db in try plan(db, now: now, kind: kind, options: options, owner: owner) }
    }

    /// The same inside a read the caller holds (the console's async reads).
    public static func plan(_ db: Database, now: Date, kind: PlanKind, options: SchedulerOptions = SchedulerOptions(),
                            owner: RunOwner = .current()) throws -> RunPlan {
        let policy = try Policy(db, now: now)
        guard !policy.settings.isPaused else { return RunPlan(paused: true) }
        var recovery = try Recovery(db, policy: policy, owner: owner, options: options)
        try recovery.run()
        var plan = RunPlan(summary: recovery.result.summary)
        plan.messages = recovery.result.messages.map {
            PlannedMessage(clientId: $0.clientId, installmentId: $0.installmentId, stage: $0.stage, channel: $0.channel,
                           decision: .send, templateStage: $0.templateStage)
        }
        let candidates = switch kind {
        case .stages: try Candidates.stages(db, policy: policy) + Candidates.carryOvers(db, policy: policy)
        case .reactivation: try Candidates.reactivation(db, policy: policy)
        }
        var governor = try Governor(db, policy: policy, owner: owner, actor: options.actor)
        for client in Candidates.byClient(Candidates.ordered(candidates)) { try governor.consider(client: client) }
        plan.summary.add(governor.outcome.summary)
        plan.messages += governor.outcome.plan
        // The send path's own check: a number that cannot receive messages is ignored.
        var reachable: [String: String?] = [:]
        for (index, message) in plan.messages.enumerated() where message.decision == .send {
            let problem: String?
            if let known = reachable[message.clientId] {
                problem = known
            } else {
                problem = try ClientInfo.fetch(db, id: message.clientId).flatMap(unreachableReason)
                reachable[message.clientId] = problem
            }
            guard let problem else {
                plan.summary.sent += 1
                try Self.noteMetaRefusal(&plan.messages[index], db, now: now)
                continue
            }
            plan.messages[index].decision = .ignoredInvalidPhone
            plan.messages[index].reason = problem
            plan.summary.skip("invalid_phone:\(problem)")
        }
        return plan
    }

    /// Why the send path would ignore `client`'s number, nil when it can receive messages.
    static func unreachableReason(_ client: ClientInfo) -> String? {
        do {
            let number = try PhoneNumberParser.parse(client.phone, defaultRegion: client.countryCode ?? "GT")
            guard number.canReceiveMessages else { return number.lineType == .fixedLine ? "fixed_line" : "not_mobile" }
            return nil
        } catch {
            return error.reason
        }
    }

    // MARK: Recovery and draining

    struct Recovered: Sendable {
        var summary = RunSummary()
        var messages: [DueMessage] = []
        var unknown: [UnknownSend] = []
    }

    /// In one exclusive decision: sends left at `rendered` by a dead run become `unknown`;
    /// decisions a dead run never dispatched are taken over (same day) or cancelled
    /// (`expired`); deferred messages whose window has opened go out now.
    func recover(now: Date) async throws -> Recovered {
        let box = ResultBox<Recovered>()
        let owner = self.owner, options = self.options
        try await store.appendDeciding(unaffectedBy: { Scheduler.decisionUnaffected(by: $0) }) { db in
            let policy = try Policy(db, now: now)
            // Paused: deferred messages wait, and nothing is taken over or cancelled.
            guard !policy.settings.isPaused else { box.set(Recovered()); return [] }
            var recovery = try Recovery(db, policy: policy, owner: owner, options: options)
            try recovery.run()
            box.set(recovery.result)
            return recovery.events
        }
        let result = box.get() ?? Recovered()
        for send in result.unknown {
            logger.warning("send outcome unknown: not re-sent, needs review", metadata: [
                "messageKey": "\(send.messageKey)", "client": "\(send.clientId)", "stage": "\(send.stage)",
            ])
        }
        return result
    }
}

/// Carries a deciding closure's result out of it (the closure may run more than once; the
/// last run is the one committed).
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T? { lock.lock(); defer { lock.unlock() }; return value }
}

/// The settings a decision uses, read inside it, and the clock.
struct Policy: Sendable {
    let settings: MessagingSettings
    let timeZone: TimeZone
    let quiet: QuietHours
    let now: Date
    let nowText: String
    let today: LocalDay

    init(_ db: Database, now: Date) throws {
        settings = try MessagingSettings.current(db)
        timeZone = settings.zone
        quiet = settings.quietHours
        self.now = now
        nowText = Timestamps.utc(now)
        today = LocalDay(now, in: timeZone)
    }

    func isEnabled(_ stage: String) -> Bool { StagePlan.isEnabled(stage, in: settings.enabledStages) }
}
