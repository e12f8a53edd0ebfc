import AvisoLedger
import AvisoProjections
import Foundation
import Synchronization

/// Slows password guessing (OWASP's authentication cheat sheet), with three counters of
/// failed attempts within `window`:
/// - per (login, address): `maxFailures`. An attacker's address is stopped for that login
///   without touching the owner's.
/// - per address: `maxFailuresPerAddress`, across logins (one address spraying many).
/// - per login: `maxFailuresPerLogin`, a higher ceiling across addresses (a botnet on one
///   login). It does not apply at an address where that login signed in within
///   `knownAddressLifetime`, so nobody can lock the owner out of the owner's own address.
///
/// Failures are ledger events (`LoginFailed`, keys only) and the counts come from their
/// read model, so every node behind a load balancer throttles with the same counts. An
/// attempt in progress on this node counts as a failure until it ends: concurrent guesses
/// cannot all pass the check at once, so at most the limit of bcrypt comparisons run per
/// node, however many arrive together. (Two nodes checking at the same instant may each let
/// one more through; the next attempt sees both.)
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var maxFailures: Int
        public var maxFailuresPerAddress: Int
        public var maxFailuresPerLogin: Int
        public var window: TimeInterval
        public var knownAddressLifetime: TimeInterval

        public init(maxFailures: Int = 5, maxFailuresPerAddress: Int = 20, maxFailuresPerLogin: Int = 50,
                    window: TimeInterval = 15 * 60, knownAddressLifetime: TimeInterval = 30 * 24 * 3600) {
            self.maxFailures = maxFailures
            self.maxFailuresPerAddress = maxFailuresPerAddress
            self.maxFailuresPerLogin = maxFailuresPerLogin
            self.window = min(window, LoginThrottleProjection.retention)
            self.knownAddressLifetime = knownAddressLifetime
        }
    }

    /// A counted attempt, to pass back to `failed` or `succeeded`: the SHA-256 keys of its
    /// login and address, the only form in which either is recorded.
    public struct Attempt: Sendable {
        public let loginKey: String
        public let addressKey: String
        fileprivate var inFlightKeys: [String] { ["pair:" + loginKey + addressKey, "addr:" + addressKey, "login:" + loginKey] }
    }

    public enum Decision: Sendable {
        case proceed(Attempt)
        /// Locked: seconds to wait.
        case wait(TimeInterval)
    }

    public let limits: Limits
    private let log: any AuthLog
    private struct InFlight {
        /// Start times of this node's attempts in progress, per counter key. An attempt whose
        /// request died without an answer stops counting after `inFlightLifetime`.
        var started: [String: [Date]] = [:]
        /// Attempts that ended so far: a check whose counts were read before one ended reads
        /// them again, or that failure would be in neither the counts nor in progress.
        var ended = 0
    }

    private let inFlight = Mutex(InFlight())
    private let inFlightLifetime: TimeInterval = 60

    public init(limits: Limits = Limits(), log: any AuthLog) {
        self.limits = limits
        self.log = log
    }

    static func key(_ kind: String, _ value: String) -> String {
        Secrets.digest("aviso-throttle:" + kind + ":" + value)
    }

    /// Checks the limits and, when the attempt may go on, counts it until it ends.
    public func begin(login rawLogin: String, address: String, now: Date = Date()) async throws -> Decision {
        let attempt = Attempt(loginKey: Self.key("login", rawLogin.lowercased()), addressKey: Self.key("address", address))
        let since = now.addingTimeInterval(-limits.window)
        let keys = attempt.inFlightKeys
        let window = limits.window
        let lifetime = inFlightLifetime
        while true {
            let endedBefore = inFlight.withLock { $0.ended }
            let (counts, lastSignIn) = try await log.readCurrent { db in
                (try LoginThrottleProjection.counts(loginKey: attempt.loginKey, addressKey: attempt.addressKey, since: since, db),
                 try LoginThrottleProjection.lastSignIn(loginKey: attempt.loginKey, addressKey: attempt.addressKey, db))
            }
            let known = lastSignIn.map { now.timeIntervalSince($0) < limits.knownAddressLifetime } ?? false
            var checks = [(counts.pair, keys[0], limits.maxFailures), (counts.address, keys[1], limits.maxFailuresPerAddress)]
            if !known { checks.append((counts.login, keys[2], limits.maxFailuresPerLogin)) }
            let decision = inFlight.withLock { state -> Decision? in
                guard state.ended == endedBefore else { return nil }
                for key in keys { state.started[key]?.removeAll { now.timeIntervalSince($0) >= lifetime } }
                var wait: TimeInterval?
                for (recorded, key, limit) in checks where recorded.count + (state.started[key]?.count ?? 0) >= limit {
                    // Recorded failures: until the oldest leaves the window. Only attempts in
                    // progress: a second, until they end.
                    let left = recorded.earliest.map { window - now.timeIntervalSince($0) } ?? 1
                    wait = max(wait ?? 0, max(1, left))
                }
                if let wait { return .wait(wait) }
                for key in keys { state.started[key, default: []].append(now) }
                return .proceed(attempt)
            }
            if let decision { return decision }
        }
    }

    /// The password was wrong (or the user disabled): recorded for every node, then no
    /// longer counted as in progress.
    public func failed(_ attempt: Attempt) async throws {
        defer { finish(attempt) }
        try await log.append([NewEvent(.loginFailed(LoginFailed(loginKey: attempt.loginKey, addressKey: attempt.addressKey)),
                                       actor: "login")])
    }

    /// The password was right. The session's `SessionStarted` carries the attempt's keys,
    /// which clear the pair's failures and remember the address (`LoginThrottleProjection`).
    public func succeeded(_ attempt: Attempt) {
        finish(attempt)
    }

    private func finish(_ attempt: Attempt) {
        inFlight.withLock { state in
            for key in attempt.inFlightKeys where state.started[key]?.isEmpty == false {
                state.started[key]!.removeFirst()
                if state.started[key]!.isEmpty { state.started[key] = nil }
            }
            state.ended += 1
        }
    }
}
