import Foundation
import Testing

@testable import AvisoMessaging

@Suite struct RetryPolicyTests {
    @Test func backoffIsExponentialAndCapped() {
        let policy = RetryPolicy(baseDelay: .milliseconds(500), maxDelay: .seconds(4))
        #expect((1...6).map { ms(policy.backoffCeiling(forRetry: $0)) } == [500, 1000, 2000, 4000, 4000, 4000])
    }

    @Test func fullJitterDrawsBetweenZeroAndTheCeiling() {
        let asked = Locked<[Double]>([])
        let policy = RetryPolicy(baseDelay: .milliseconds(100), random: { upper in
            asked.withLock { $0.append(upper) }
            return upper / 4
        })
        #expect(ms(policy.delay(forRetry: 3)) == 100)  // ceiling 400 ms, random → a quarter
        #expect(asked.current == [0.4])
        // A misbehaving random source can't push the delay outside [0, ceiling].
        #expect(ms(RetryPolicy(baseDelay: .milliseconds(100), random: { $0 * 10 }).delay(forRetry: 1)) == 100)
        #expect(ms(RetryPolicy(baseDelay: .milliseconds(100), random: { _ in -1 }).delay(forRetry: 1)) == 0)
    }

    static let accepted = ProviderAcceptance(provider: "twilio", messageId: "SM1", initialStatus: "queued")
    static func failure(_ kind: ProviderFailureKind, code: Int? = nil) -> ProviderFailure {
        ProviderFailure(provider: "twilio", code: code, kind: kind, summary: "twilio: test")
    }

    @Test(arguments: [ProviderFailureKind.permanent, .fallbackToSMS, .optedOut, .stopChannel, .authentication])
    func nonRetryableKindsReturnAtOnce(kind: ProviderFailureKind) async {
        let provider = ScriptedProvider([.failure(Self.failure(kind)), .success(Self.accepted)])
        let slept = Locked<[Duration]>([])
        let outcome = await RetryingSender(provider: provider, policy: instantRetryPolicy(slept: slept)).send(smsMessage())
        #expect(outcome.failure?.kind == kind)
        #expect(outcome.attempts == 1)
        #expect(provider.calls.current == 1)
        #expect(slept.current.isEmpty)
    }

    @Test func retryableThenSuccess() async {
        let provider = ScriptedProvider([.failure(Self.failure(.retryable)), .success(Self.accepted)])
        let outcome = await RetryingSender(provider: provider, policy: instantRetryPolicy()).send(smsMessage())
        #expect(outcome.acceptance == Self.accepted)
        #expect(outcome.attempts == 2)
    }

    @Test func attemptsAreBoundedByThePolicy() async {
        let provider = ScriptedProvider(Array(repeating: .failure(Self.failure(.retryable)), count: 10))
        let outcome = await RetryingSender(provider: provider, policy: instantRetryPolicy(maxAttempts: 5)).send(smsMessage())
        #expect(outcome.attempts == 5)
        #expect(provider.calls.current == 5)
        #expect(outcome.failure?.kind == .retryable)
    }

    @Test func cancelledBackoffStopsRetrying() async {
        let provider = ScriptedProvider(Array(repeating: .failure(Self.failure(.retryable)), count: 3))
        let policy = RetryPolicy(sleep: { _ in throw CancellationError() })
        let outcome = await RetryingSender(provider: provider, policy: policy).send(smsMessage())
        #expect(outcome.attempts == 1)
        #expect(outcome.failure?.kind == .retryable)
    }
}

@Suite struct ClassificationTableTests {
    @Test func tableMatchesProvidersPage() {
        let wa = ProviderErrorClassification.classifyWhatsApp
        #expect(wa(131026, 400).kind == .fallbackToSMS)
        #expect(wa(131047, 400).kind == .fallbackToSMS)
        #expect(wa(368, 400).kind == .stopChannel)
        #expect(wa(131031, 400).kind == .stopChannel)
        #expect(wa(0, 401).kind == .authentication)
        #expect(wa(190, 401).kind == .authentication)
        #expect(wa(250, 403).kind == .authentication)  // 200–299 permission errors
        for code in [4, 80007, 130429, 131056, 131000, 131016, 1, 2, 131057] {
            #expect(wa(code, 400).kind == .retryable, "\(code)")
        }
        for code in [100, 131008, 131009, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 130497, 130403, 131050] {
            #expect(wa(code, 500).kind == .permanent, "\(code): the code wins over the status")
        }
        let tw = ProviderErrorClassification.classifyTwilio
        for code in [21211, 21408, 21612, 21614, 30004, 30005, 30006, 30007] {
            #expect(tw(code, 400).kind == .permanent, "\(code)")
        }
        #expect(tw(21610, 400).kind == .optedOut)
        #expect(tw(20003, 401).kind == .authentication)
        #expect(tw(20429, 429).kind == .retryable)
        #expect(tw(30008, 400).maxAttempts == 2)
        #expect(tw(nil, 429).kind == .retryable)
        #expect(tw(nil, 404).kind == .permanent)
        #expect(tw(nil, 503).kind == .retryable)
        #expect(tw(nil, nil).kind == .retryable)
    }
}

@Suite struct SendRateLimiterTests {
    @Test func defaultIsTwentyPerSecondEvenlySpaced() async throws {
        let clock = ManualClock()
        let limiter = SendRateLimiter(timing: clock.timing)
        #expect(limiter.ratePerSecond == 20)
        var waits: [Int] = []
        for _ in 0..<5 { waits.append(ms(try await limiter.acquire())) }
        #expect(waits == [0, 50, 50, 50, 50])
        #expect(clock.sleeps.current.map(ms) == [50, 50, 50, 50])
    }

    @Test func burstTokensAreSpentFirst() async throws {
        let clock = ManualClock()
        let limiter = SendRateLimiter(ratePerSecond: 10, burst: 3, timing: clock.timing)
        #expect(await limiter.availableTokens == 3)
        var waits: [Int] = []
        for _ in 0..<5 { waits.append(ms(try await limiter.acquire())) }
        #expect(waits == [0, 0, 0, 100, 100])
    }

    @Test func idleTimeRefillsUpToTheBurstOnly() async throws {
        let clock = ManualClock()
        let limiter = SendRateLimiter(ratePerSecond: 20, burst: 2, timing: clock.timing)
        try await limiter.acquire()
        try await limiter.acquire()
        #expect(await limiter.availableTokens == 0)
        clock.advance(.milliseconds(50))
        #expect(await limiter.availableTokens == 1)
        clock.advance(.seconds(60))
        #expect(await limiter.availableTokens == 2)
    }

    @Test func concurrentCallersEachReserveTheirOwnSlot() async throws {
        // Time doesn't move: every caller must be given a distinct, later slot.
        let clock = ManualClock(advancesOnSleep: false)
        let limiter = SendRateLimiter(ratePerSecond: 20, burst: 1, timing: clock.timing)
        let waits = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { ms(try await limiter.acquire()) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(waits.sorted() == Array(stride(from: 0, through: 450, by: 50)))
        #expect(await limiter.availableTokens == -9)  // nine callers queued behind the first
    }

    @Test func cancelledWaiterGivesItsSlotBack() async throws {
        let clock = ManualClock()
        let timing = SendRateLimiter.Timing(now: { clock.now.current }, sleep: { _ in throw CancellationError() })
        let limiter = SendRateLimiter(ratePerSecond: 20, burst: 1, timing: timing)
        try await limiter.acquire()
        await #expect(throws: CancellationError.self) { try await limiter.acquire() }
        #expect(await limiter.availableTokens == 0)
    }
}
