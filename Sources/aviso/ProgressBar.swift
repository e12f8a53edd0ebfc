import Foundation

/// A progress bar with rate and ETA on one line of stderr, redrawn in place, only when stderr
/// is a terminal: piped, logged or `--json` output gets nothing extra.
final class ProgressBar {
    private let label: String
    private let total: Int
    private let started = Date()
    private var drawn = Date.distantPast
    private var shown = false

    /// nil when there is nothing to show: not a terminal, or nothing to do.
    init?(_ label: String, total: Int, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        guard terminal, total > 0 else { return nil }
        self.label = label
        self.total = total
    }

    func update(_ done: Int) {
        let now = Date()
        guard now.timeIntervalSince(drawn) >= 0.1 || done >= total else { return }
        drawn = now
        shown = true
        let fraction = min(1, Double(done) / Double(total))
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - min(done, total)) / rate : 0
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "%@ [%@] %3d%%  %d/%d  %.0f/s  ETA %@", label, bar, Int(fraction * 100), done, total, rate,
                          Self.duration(eta))
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
    }

    /// Clears the line, so the command's own output starts clean.
    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
