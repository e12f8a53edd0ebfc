import Foundation

/// What a run did: `due` stages found (StageDue appended), messages `sent` (in dry-run: recorded
/// as dry-run sends), `deferred` by the quiet hours, `skipped` by reason, `failed`, and sends
/// found with an `unknown` outcome (a previous run died mid-request).
public struct RunSummary: Sendable, Equatable, Codable {
    public var due = 0
    public var sent = 0
    public var deferred = 0
    public var skipped: [String: Int] = [:]
    public var failed = 0
    public var unknown = 0

    public init() {}

    public var skippedTotal: Int { skipped.values.reduce(0, +) }

    public mutating func skip(_ reason: String, count: Int = 1) {
        skipped[reason, default: 0] += count
    }

    public mutating func add(_ other: RunSummary) {
        due += other.due
        sent += other.sent
        deferred += other.deferred
        failed += other.failed
        unknown += other.unknown
        for (reason, n) in other.skipped { skip(reason, count: n) }
    }

    /// The `--json` object: keys due, sent, deferred, skipped (reason → count), failed, unknown.
    public var jsonObject: [String: Any] {
        ["due": due, "sent": sent, "deferred": deferred, "skipped": skipped, "failed": failed, "unknown": unknown]
    }

    public var text: String {
        var out = "due \(due)  sent \(sent)  deferred \(deferred)  skipped \(skippedTotal)  failed \(failed)  unknown \(unknown)"
        if !skipped.isEmpty {
            out += "\nskipped: " + skipped.keys.sorted().map { "\($0) \(skipped[$0]!)" }.joined(separator: ", ")
        }
        return out
    }
}
