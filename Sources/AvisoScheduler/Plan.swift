import AvisoLedger
import AvisoMessaging
import Foundation

/// What the scheduler would do with one message: the answer of a dry run and of the console's
/// upcoming messages. Built by the same decision code as a real run, appending nothing.
public struct PlannedMessage: Sendable, Equatable, Codable {
    public enum Decision: String, Sendable, Codable {
        /// Goes out now.
        case send
        /// Held by the quiet hours until `notBefore`.
        case deferred
        /// Not sent: `reason` says why.
        case skipped
        /// Would not be sent: the number cannot receive messages.
        case ignoredInvalidPhone = "ignored_invalid_phone"
    }

    public var clientId: String
    public var installmentId: String?
    public var stage: String
    public var channel: Channel
    public var decision: Decision
    /// The template that would render it (`VARIAS_CUOTAS` when it lists several installments).
    public var templateStage: String?
    /// How many other installments the message also lists as due for a stage.
    public var covers: Int
    public var reason: String?
    public var detail: String?
    public var notBefore: Date?

    init(_ c: Candidate, _ channel: Channel, decision: Decision, templateStage: String? = nil, covers: Int = 0,
         reason: String? = nil, detail: String? = nil, notBefore: Date? = nil) {
        self.init(clientId: c.clientId, installmentId: c.installmentId, stage: c.stage, channel: channel, decision: decision,
                  templateStage: templateStage, covers: covers, reason: reason, detail: detail, notBefore: notBefore)
    }

    public init(clientId: String, installmentId: String?, stage: String, channel: Channel, decision: Decision,
                templateStage: String?, covers: Int = 0, reason: String? = nil, detail: String? = nil, notBefore: Date? = nil) {
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.decision = decision
        self.templateStage = templateStage
        self.covers = covers
        self.reason = reason
        self.detail = detail
        self.notBefore = notBefore
    }

    /// One line for a person: `c-07  D-2  whatsapp  send (VARIAS_CUOTAS, +1)`.
    public var line: String {
        var what = decision.rawValue
        switch decision {
        case .send, .deferred:
            var parts = [templateStage ?? stage]
            if covers > 0 { parts.append("+\(covers)") }
            if let notBefore { parts.append("not before \(Timestamps.utc(notBefore))") }
            what += " (" + parts.joined(separator: ", ") + ")"
            if let reason { what += " but \(reason)" + (detail.map { " (\($0))" } ?? "") }
        case .skipped, .ignoredInvalidPhone:
            what += ": " + (reason ?? "-") + (detail.map { " (\($0))" } ?? "")
        }
        return "\(clientId)  \(installmentId ?? "-")  \(stage)  \(channel.rawValue)  \(what)"
    }
}

/// A dry run's answer: the summary a real run at that instant would print, and each message.
public struct RunPlan: Sendable, Equatable {
    public var summary: RunSummary
    public var messages: [PlannedMessage]
    /// Sending is paused: a run would decide nothing (so there are no messages).
    public var paused: Bool

    public init(summary: RunSummary = RunSummary(), messages: [PlannedMessage] = [], paused: Bool = false) {
        self.summary = summary
        self.messages = messages
        self.paused = paused
    }
}
