import Foundation

/// Progress bars for work told in steps (a run decides, then sends): a new bar, labelled
/// "COMMAND: STEP", each time the step or its total changes. Safe to call from any task.
final class SteppedProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let command: String
    private var current: (step: String, total: Int, bar: ProgressBar?)?

    /// nil when nothing is to be drawn: stderr is not a terminal, or the caller turned it off
    /// (`--json`, or `--verbose`, whose per-message lines would tear the bar).
    init?(_ command: String, enabled: Bool = true, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        guard enabled, terminal else { return nil }
        self.command = command
    }

    func update(step: String, done: Int, total: Int) {
        lock.withLock {
            if current?.step != step || current?.total != total {
                current?.bar?.finish()
                current = (step, total, ProgressBar("\(command): \(step)", total: total, terminal: true))
            }
            current?.bar?.update(done)
        }
    }

    func finish() {
        lock.withLock {
            current?.bar?.finish()
            current = nil
        }
    }
}
