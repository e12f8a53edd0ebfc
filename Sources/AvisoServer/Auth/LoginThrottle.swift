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
/// An attempt is counted as a failure *before* its password is checked (`begin`), and
/// refunded when it succeeds: concurrent guesses cannot all pass the check at once, so at
/// most the limit of bcrypt comparisons run, however many arrive together.
public final class LoginThrottle: Sendable {
    struct Bucket: Sendable {
        var failures: Int
        var since: Date
    }

    struct State: Sendable {
        var buckets: [String: Bucket] = [:]
        /// login → address → last successful sign-in there.
        var knownAddresses: [String: [String: Date]] = [:]
    }

    /// A counted attempt, to pass back to `succeeded`.
    public struct Attempt: Sendable {
        let login: String
        let address: String
    }

    public enum Decision: Sendable {
        case proceed(Attempt)
        /// Locked: seconds to wait.
        case wait(TimeInterval)
    }

    public let maxFailures: Int
    public let maxFailuresPerAddress: Int
    public let maxFailuresPerLogin: Int
    public let window: TimeInterval
    public let knownAddressLifetime: TimeInterval
    private let state = Mutex(State())

    public init(maxFailures: Int = 5, maxFailuresPerAddress: Int = 20, maxFailuresPerLogin: Int = 50,
                window: TimeInterval = 15 * 60, knownAddressLifetime: TimeInterval = 30 * 24 * 3600) {
        self.maxFailures = maxFailures
        self.maxFailuresPerAddress = maxFailuresPerAddress
        self.maxFailuresPerLogin = maxFailuresPerLogin
        self.window = window
        self.knownAddressLifetime = knownAddressLifetime
    }

    /// Checks the limits and, when the attempt may go on, counts it as a failure at once.
    public func begin(login rawLogin: String, address: String, now: Date = Date()) -> Decision {
        let login = rawLogin.lowercased()
        return state.withLock { state in
            if state.buckets.count > 10_000 { state.buckets = state.buckets.filter { now.timeIntervalSince($0.value.since) < window } }
            let known = state.knownAddresses[login]?[address].map { now.timeIntervalSince($0) < knownAddressLifetime } ?? false
            var limits = [(Self.pairKey(login, address), maxFailures), (Self.addressKey(address), maxFailuresPerAddress)]
            if !known { limits.append((Self.loginKey(login), maxFailuresPerLogin)) }
            var wait: TimeInterval?
            for (key, limit) in limits {
                guard let bucket = state.buckets[key] else { continue }
                let age = now.timeIntervalSince(bucket.since)
                if age >= window {
                    state.buckets[key] = nil
                } else if bucket.failures >= limit {
                    wait = max(wait ?? 0, window - age)
                }
            }
            if let wait { return .wait(wait) }
            for key in [Self.pairKey(login, address), Self.addressKey(address), Self.loginKey(login)] {
                if var bucket = state.buckets[key], now.timeIntervalSince(bucket.since) < window {
                    bucket.failures += 1
                    state.buckets[key] = bucket
                } else {
                    state.buckets[key] = Bucket(failures: 1, since: now)
                }
            }
            return .proceed(Attempt(login: login, address: address))
        }
    }

    /// The password was right: the attempt is refunded, the (login, address) counter
    /// cleared, and the address remembered as the login's own.
    public func succeeded(_ attempt: Attempt, now: Date = Date()) {
        state.withLock { state in
            state.buckets[Self.pairKey(attempt.login, attempt.address)] = nil
            for key in [Self.addressKey(attempt.address), Self.loginKey(attempt.login)] {
                guard var bucket = state.buckets[key] else { continue }
                bucket.failures -= 1
                state.buckets[key] = bucket.failures > 0 ? bucket : nil
            }
            var addresses = state.knownAddresses[attempt.login] ?? [:]
            addresses[attempt.address] = now
            if addresses.count > 20 {
                // Keep the 20 most recent: memory stays bounded whatever the traffic.
                addresses = Dictionary(uniqueKeysWithValues: addresses.sorted { $0.value > $1.value }.prefix(20).map { ($0.key, $0.value) })
            }
            state.knownAddresses[attempt.login] = addresses
            if state.knownAddresses.count > 10_000 { state.knownAddresses = [attempt.login: addresses] }
        }
    }

    private static func pairKey(_ login: String, _ address: String) -> String { "pair:" + login + "\u{1F}" + address }
    private static func loginKey(_ login: String) -> String { "login:" + login }
    private static func addressKey(_ address: String) -> String { "addr:" + address }
}
