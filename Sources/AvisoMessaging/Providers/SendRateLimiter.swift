/// Token bucket that paces sends, so WhatsApp throughput stays under the number's limit instead
/// of hammering into 130429. Default 20 msg/s (the lowest tier: numbers shared with the
/// WhatsApp Business app); raise it for numbers upgraded to 80 or 1,000 msg/s.
///
/// Callers reserve a token *before* suspending, so concurrent callers queue in arrival order
/// and the actor's reentrancy can't hand the same token out twice. A negative balance is the
/// queue of waiters.
public actor SendRateLimiter {
    /// Time source and sleeper, injectable so tests assert waits without real time passing.
    public struct Timing: Sendable {
        public var now: @Sendable () -> Duration
        public var sleep: @Sendable (Duration) async throws -> Void

        public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
            self.now = now
            self.sleep = sleep
        }

        public static var continuous: Timing {
            let clock = ContinuousClock()
            let origin = clock.now
            return Timing(now: { clock.now - origin }, sleep: { try await clock.sleep(for: $0) })
        }
    }

    public nonisolated let ratePerSecond: Double
    /// Bucket size. Default 1: strict even spacing (1/rate apart), because a larger bucket lets
    /// `burst + rate` messages out within one second, above the provider's per-second limit.
    public nonisolated let burst: Double
    private let timing: Timing
    private var tokens: Double
    private var lastRefill: Duration

    /// Rates outside this are clamped into it (NaN becomes the default 20): a rate saved
    /// before settings had ranges, like 1e-300, must slow sends down, never crash them.
    public static let rateRange: ClosedRange<Double> = 0.1...10_000

    public init(ratePerSecond: Double = 20, burst: Int = 1, timing: Timing = .continuous) {
        self.ratePerSecond = ratePerSecond.isNaN ? 20 : min(max(ratePerSecond, Self.rateRange.lowerBound), Self.rateRange.upperBound)
        self.burst = Double(min(max(1, burst), 10_000))
        self.timing = timing
        self.tokens = self.burst
        self.lastRefill = timing.now()
    }

    /// Tokens available now (negative = that many callers are waiting). For tests and metrics.
    public var availableTokens: Double {
        refill()
        return tokens
    }

    /// Waits until a send may go out. Returns the wait that was needed.
    /// Throws `CancellationError` if the task is cancelled while waiting.
    @discardableResult
    public func acquire() async throws -> Duration {
        refill()
        tokens -= 1
        guard tokens < 0 else { return .zero }
        // Finite and bounded whatever the queue: at most an hour (a longer queue waits again).
        let wait = Duration.seconds(min(-tokens / ratePerSecond, 3_600))
        do {
            try await timing.sleep(wait)
        } catch {
            tokens += 1  // give the slot back: this caller won't send
            throw error
        }
        return wait
    }

    private func refill() {
        let now = timing.now()
        let elapsed = (now - lastRefill).seconds
        lastRefill = now
        tokens = min(burst, tokens + elapsed * ratePerSecond)
    }
}
