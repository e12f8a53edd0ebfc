import Foundation

/// Which reminder stage an installment is at on a local day.
///
/// | days from due date | stage |
/// |---|---|
/// | −15 | D-15 |
/// | −2 | D-2 |
/// | −1 | D-1 |
/// | 0 | D0 |
/// | +1 | D+1 |
/// | +3 | D+3 |
/// | +7n (n = 1…weekly maximum) | WEEKLY_n |
///
/// A stage is due on its day only. A day without a run is not caught up later.
public enum StagePlan {
    public static let fixedStages: [(offset: Int, name: String)] = [
        (-15, "D-15"), (-2, "D-2"), (-1, "D-1"), (0, "D0"), (1, "D+1"), (3, "D+3"),
    ]
    public static let weeklyPrefix = "WEEKLY_"

    /// The stage due `days` after the due date (negative: before), or nil.
    public static func stage(daysFromDue days: Int, weeklyMaximum: Int) -> String? {
        if let fixed = fixedStages.first(where: { $0.offset == days }) { return fixed.name }
        if days >= 7, days % 7 == 0, days / 7 <= weeklyMaximum { return weeklyPrefix + String(days / 7) }
        return nil
    }

    public static func stage(dueDate: LocalDay, on today: LocalDay, weeklyMaximum: Int) -> String? {
        stage(daysFromDue: today - dueDate, weeklyMaximum: weeklyMaximum)
    }

    /// Every (due date, stage) that is due on `today`: the due dates a run has to look at.
    public static func dueDates(on today: LocalDay, weeklyMaximum: Int) -> [(dueDate: LocalDay, stage: String)] {
        var out = fixedStages.map { (today - $0.offset, $0.name) }
        if weeklyMaximum >= 1 {
            for n in 1...weeklyMaximum { out.append((today - 7 * n, weeklyPrefix + String(n))) }
        }
        return out
    }

    /// Days from the due date at which `stage` falls, nil for names that are not installment stages.
    public static func offset(of stage: String) -> Int? {
        if let fixed = fixedStages.first(where: { $0.name == stage }) { return fixed.offset }
        if stage.hasPrefix(weeklyPrefix), let n = Int(stage.dropFirst(weeklyPrefix.count)), n >= 1 { return 7 * n }
        return nil
    }

    /// The offset of the stage after the one at `offset` (after the last weekly: a week later).
    /// A stage "still applies" from its own day until the next stage's day.
    public static func nextOffset(after offset: Int) -> Int {
        if let next = fixedStages.first(where: { $0.offset > offset }) { return next.offset }
        return (offset / 7 + 1) * 7
    }

    /// Whether `stage` is enabled: `WEEKLY_n` by `WEEKLY` (or its own name), others by name.
    public static func isEnabled(_ stage: String, in enabled: [String]) -> Bool {
        if enabled.contains(stage) { return true }
        return stage.hasPrefix(weeklyPrefix) && enabled.contains("WEEKLY")
    }

    public static let reactivatePending = "REACTIVATE_PENDING"
    public static let reactivateOverdue = "REACTIVATE_OVERDUE"
}
