/// How far a run has got, for a progress bar: which step, and how many of its items are done.
/// Told after each chunk of candidates decided and after each message sent.
public struct RunProgress: Sendable, Equatable {
    public enum Step: String, Sendable { case deciding, sending }
    public var step: Step
    public var done: Int
    public var total: Int
}

public typealias RunProgressHandler = @Sendable (RunProgress) -> Void
