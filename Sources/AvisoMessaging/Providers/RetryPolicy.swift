import Logging

/// Exponential backoff with full jitter (AWS "full jitter": uniform in [0, min(cap, base·2^n)]),
/// bounded attempts. Sleep and randomness are injectable so tests run instantly and deterministically.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first (default 3).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Returns a uniform value in `0...upperBound`.
    public var random: @Sendable (_ upperBound: Double) -> Double

    public init(
        maxAttempts: Int = 3,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(10),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable (Double) -> Double = { Double.random(in: 0...$0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
        self.random = random
    }

    /// The ceiling for the wait before retry number `retry` (1 = after the first failure).
    public func backoffCeiling(forRetry retry: Int) -> Duration {
        let exponential = baseDelay.seconds * pow2(max(0, retry - 1))
        return .seconds(min(maxDelay.seconds, exponential))
    }

    /// Full jitter: spreads retries of many concurrent senders so they don't re-collide.
    public func delay(forRetry retry: Int) -> Duration {
        let ceiling = backoffCeiling(forRetry: retry).seconds
        return .seconds(min(ceiling, max(0, random(ceiling))))
    }

    private func pow2(_ n: Int) -> Double { Double(1 << min(n, 30)) }
}

/// The result of a send through `RetryingSender`, with how many provider calls it took.
public struct RetryOutcome: Sendable {
    public var result: Result<ProviderAcceptance, ProviderFailure>
    public var attempts: Int

    public var acceptance: ProviderAcceptance? { try? result.get() }
    public var failure: ProviderFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }
}

/// Wraps a provider with a `RetryPolicy`: only `.retryable` failures are retried; everything
/// else (permanent, fallback, opted out, auth, stop) returns at once.
public struct RetryingSender: Sendable {
    public let provider: any MessageProvider
    public let policy: RetryPolicy
    private let logger: Logger

    public init(provider: any MessageProvider, policy: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "aviso.messaging.retry")) {
        self.provider = provider
        self.policy = policy
        self.logger = logger
    }

    public func send(_ message: OutgoingMessage) async -> RetryOutcome {
        var attempt = 0
        while true {
            attempt += 1
            let failure: ProviderFailure
            do {
                return RetryOutcome(result: .success(try await provider.send(message)), attempts: attempt)
            } catch {
                failure = error
            }
            guard failure.kind == .retryable, attempt < attemptLimit(for: failure), !Task.isCancelled else {
                return RetryOutcome(result: .failure(failure), attempts: attempt)
            }
            let delay = policy.delay(forRetry: attempt)
            logger.notice("provider send failed; retrying", metadata: [
                "provider": "\(failure.provider)",
                "code": "\(failure.code.map(String.init) ?? "-")",
                "attempt": "\(attempt)",
                "delay_ms": "\(Int(delay.seconds * 1000))",
            ])
            do {
                try await policy.sleep(delay)
            } catch {
                // Cancelled while backing off: report what we have instead of sending again.
                return RetryOutcome(result: .failure(failure), attempts: attempt)
            }
        }
    }

    /// Some codes allow fewer attempts than the policy (Twilio 30008: retry once).
    private func attemptLimit(for failure: ProviderFailure) -> Int {
        let table = failure.provider == "twilio" ? ProviderErrorClassification.twilio : ProviderErrorClassification.whatsapp
        let cap = failure.code.flatMap { table[$0]?.maxAttempts } ?? Int.max
        return min(policy.maxAttempts, cap)
    }
}

extension Duration {
    /// Seconds as a Double (Duration has no such accessor).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
