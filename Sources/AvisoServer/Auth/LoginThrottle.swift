import Foundation
import Synchronization

/// Slows password guessing: after `maxFailures` failed logins for one login name, or
/// `maxFailuresPerAddress` from one address, within `window`, further attempts for it are
/// refused (429) until the window since the first of those failures has passed.
public final class LoginThrottle: Sendable {
    struct Bucket: Sendable {
        var failures: Int
        var since: Date
    }

    public let maxFailures: Int
    public let maxFailuresPerAddress: Int
    public let window: TimeInterval
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(maxFailures: Int = 5, maxFailuresPerAddress: Int = 20, window: TimeInterval = 15 * 60) {
        self.maxFailures = maxFailures
        self.maxFailuresPerAddress = maxFailuresPerAddress
        self.window = window
    }

    /// Seconds to wait when `login` or `address` is locked, else nil.
    public func retryAfter(login: String, address: String, now: Date = Date()) -> TimeInterval? {
        buckets.withLock { table in
            var wait: TimeInterval?
            for (key, limit) in [(Self.loginKey(login), maxFailures), (Self.addressKey(address), maxFailuresPerAddress)] {
                guard let bucket = table[key] else { continue }
                let age = now.timeIntervalSince(bucket.since)
                if age >= window {
                    table[key] = nil
                } else if bucket.failures >= limit {
                    wait = max(wait ?? 0, window - age)
                }
            }
            return wait
        }
    }

    public func recordFailure(login: String, address: String, now: Date = Date()) {
        buckets.withLock { table in
            if table.count > 10_000 { table = table.filter { now.timeIntervalSince($0.value.since) < window } }
            for key in [Self.loginKey(login), Self.addressKey(address)] {
                if var bucket = table[key], now.timeIntervalSince(bucket.since) < window {
                    bucket.failures += 1
                    table[key] = bucket
                } else {
                    table[key] = Bucket(failures: 1, since: now)
                }
            }
        }
    }

    /// A successful login clears that login's failures (not the address's).
    public func recordSuccess(login: String) {
        _ = buckets.withLock { $0.removeValue(forKey: Self.loginKey(login)) }
    }

    private static func loginKey(_ login: String) -> String { "login:" + login.lowercased() }
    private static func addressKey(_ address: String) -> String { "addr:" + address }
}
