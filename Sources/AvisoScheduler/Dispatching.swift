import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// One message the scheduler decided to send now, on one channel. Its `MessageScheduled`
/// is already in the ledger; the dispatcher records what happens next under `messageKey`.
public struct DueMessage: Sendable, Equatable {
    /// Unique per message: `<installment>|<stage>|<channel>` or
    /// `client:<id>|<REACTIVATE_…>|<local date>|<channel>`.
    public var messageKey: String
    public var clientId: String
    public var installmentId: String?
    /// `D-2`, `WEEKLY_3`, `REACTIVATE_OVERDUE`… (see `TemplateStage.resolve(schedulerStage:)`).
    public var stage: String
    public var channel: Channel
    public var templateContext: TemplateContext
    /// Business time of the send (the scheduler's clock): `MessageSent.at`.
    public var at: Date
    /// The run that owns this send (also in its `MessageScheduled`).
    public var runId: String
    /// The stage whose template renders it: `stage`, or `VARIAS_CUOTAS` for a message that
    /// lists several installments.
    public var templateStage: String

    public init(messageKey: String, clientId: String, installmentId: String?, stage: String, channel: Channel,
                templateContext: TemplateContext, at: Date, runId: String, templateStage: String? = nil) {
        self.templateStage = templateStage ?? stage
        self.messageKey = messageKey
        self.clientId = clientId
        self.installmentId = installmentId
        self.stage = stage
        self.channel = channel
        self.templateContext = templateContext
        self.at = at
        self.runId = runId
    }
}

public enum DispatchResult: Sendable, Equatable {
    /// A provider accepted it (or a dry run recorded it as sent).
    case sent
    /// The provider refused it or every retry failed (`SendFailed` recorded).
    case failed
    /// Nothing was sent: the number cannot receive messages (`IgnoredInvalidPhone` recorded).
    case ignored(reason: String)
    /// The send path held it back (`MessageSkipped` recorded), e.g. no provider configured.
    case skipped(SkipReason)
}

/// The send path, as the scheduler sees it. Contract for implementations:
/// - record `MessageRendered` (durably, through the store) BEFORE contacting a provider, and
///   `MessageSent`/`SendFailed` after, all under `message.messageKey`; a crash between the two
///   leaves the message at `rendered`, which the next run turns into `unknown` (never re-sent);
/// - use `message.at` as the business time of the events;
/// - never throw: report failures as `.failed`.
public protocol MessageDispatching: Sendable {
    func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult
}

/// A send whose outcome was never recorded (see `SendOutcomeUnknown`).
public struct UnknownSend: Sendable, Equatable {
    public var messageKey: String
    public var clientId: String
    public var installmentId: String?
    public var stage: String
    public var channel: Channel?
    public var provider: String?
    public var messageId: String?
}
