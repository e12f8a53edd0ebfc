@testable import AvisoServer
import Foundation
import Synchronization
import Testing

/// The background projector's thread: jobs run in order, at a raised nice value, and the
/// thread that ran them does not outlive its work (so the nice value never leaks elsewhere).
@Suite struct LowPriorityThreadTests {
    @Test func jobsRunInOrderAtALowerPriority() async {
        let runner = LowPriorityThread(niceness: 10)
        let seen = Mutex<[(index: Int, nice: Int32)]>([])
        let before = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for index in 0..<50 {
                runner.run {
                    let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                    seen.withLock { $0.append((index, nice)) }
                    if index == 49 { done.resume() }
                }
            }
        }
        let runs = seen.withLock { $0 }
        #expect(runs.map(\.index) == Array(0..<50))
        #expect(runs.allSatisfy { $0.nice >= 10 }, "\(runs.map(\.nice))")
        // The caller's own thread keeps its priority.
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == before)
    }

    /// The calling thread's id (`/proc/thread-self` links to `<pid>/task/<tid>`).
    static func threadId() -> pid_t {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        return pid_t(link.split(separator: "/").last.flatMap { Int32($0) } ?? -1)
    }

    @Test func theThreadEndsWhenItRunsOutOfWork() async throws {
        let runner = LowPriorityThread(niceness: 10)
        let tid = await withCheckedContinuation { (done: CheckedContinuation<pid_t, Never>) in
            runner.run { done.resume(returning: Self.threadId()) }
        }
        #expect(tid > 0 && tid != getpid())
        var alive = true
        for _ in 0..<100 where alive {
            try await Task.sleep(for: .milliseconds(20))
            alive = FileManager.default.fileExists(atPath: "/proc/self/task/\(tid)")
        }
        #expect(!alive, "thread \(tid) still exists with nothing to do")
        // And the next job still runs, on a new thread.
        let next = await withCheckedContinuation { (done: CheckedContinuation<pid_t, Never>) in
            runner.run { done.resume(returning: Self.threadId()) }
        }
        #expect(next != tid)
    }
}
