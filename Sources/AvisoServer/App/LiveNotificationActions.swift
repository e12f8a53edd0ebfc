import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import GRDB

/// The real actions behind the notification routes: the scheduler for runs, and the same
/// send path (`MessageSender`) for test messages.
public struct LiveNotificationActions: NotificationActions {
    public let store: AvisoStore
    public let scheduler: Scheduler
    public let sender: MessageSender

    public init(store: AvisoStore, scheduler: Scheduler, sender: MessageSender) {
        self.store = store
        self.scheduler = scheduler
        self.sender = sender
    }

    /// The scheduler and sender as `aviso run` builds them: the composition root's providers,
    /// dry-run for any whose variables are missing, Twilio reconciliation when configured.
    public static func make(store: AvisoStore, configuration: ProviderConfiguration) throws -> LiveNotificationActions {
        let sender = try MessagingDispatcher.sender(for: store, configuration: configuration)
        return LiveNotificationActions(store: store, scheduler: Scheduler.live(store: store, sender: sender),
                                       sender: sender)
    }

    /// `dryRun`: the plan of a run now (`Scheduler.plan`): nothing appended, nothing sent.
    public func run(dryRun: Bool, actor: String) async throws -> RunSummary {
        let started = Date()
        let summary = dryRun ? try scheduler.plan(now: started, kind: .stages).summary : try await scheduler.run(now: started, dryRun: false)
        return RunSummary(kind: "run", dryRun: dryRun, actor: actor, summary: summary, startedAt: started)
    }

    public func reactivate(dryRun: Bool, actor: String) async throws -> RunSummary {
        let started = Date()
        let summary = dryRun ? try scheduler.plan(now: started, kind: .reactivation).summary
            : try await scheduler.reactivate(now: started, dryRun: false)
        return RunSummary(kind: "reactivate", dryRun: dryRun, actor: actor, summary: summary, startedAt: started)
    }

    public func sendTest(_ request: TestSendRequest, actor: String) async throws -> TestSendResult {
        let now = Date()
        var draft: MessageDraft
        do {
            draft = try await store.readAsync { db in
                try MessageDraftBuilder.build(db, clientId: request.clientId, stageName: request.stage ?? "TEST",
                                              channel: request.channel, now: now)
            }
        } catch let error as MessageDraftError {
            switch error {
            case .unknownClient: throw NotificationActionError.notFound(error.description)
            default: throw NotificationActionError.invalid(error.description)
            }
        }
        let dryRun = request.dryRun ?? false
        let key = "test:\(UUID().uuidString)"
        let (windowOpen, transliterates, onMeta) = try await store.readAsync { [draft] db in
            (try (try? draft.phone.get()).map { try TemplateLookup.whatsappWindowOpen(db, e164: $0.e164, now: now) } ?? false,
             try MessagingSettings.current(db).transliteratesSMS, try MetaTemplateLookup.state(db, for: draft.template.whatsapp))
        }
        draft.context.transliteratesSMS = transliterates
        let send = SendRequest(messageKey: key, clientId: draft.client.id, installmentId: draft.installmentId, stage: draft.stageName,
                               phone: draft.client.phone, phoneCountry: draft.client.phoneCountryCode,
                               preferredChannel: PreferredChannel(rawValue: draft.client.preferredChannel) ?? .whatsapp,
                               onlyChannel: draft.channel, templates: [draft.channel: draft.template], context: draft.context,
                               dryRun: dryRun, test: true, allowFreeText: windowOpen,
                               at: now, actor: actor, whatsappTemplateOnMeta: onMeta)
        let report = try await sender.send(send)
        let to = (try? draft.phone.get()).map { Masking.phone($0.e164) }
        let text = try? draft.render().text
        var result = TestSendResult(messageKey: key, clientId: draft.client.id, stage: draft.stageName, channel: draft.channel,
                                    provider: "none", to: to, status: "skipped", messageId: nil, dryRun: dryRun || !sender.isConfigured(draft.channel),
                                    text: text)
        if draft.channel == .whatsapp {
            // A test too: outside the window Meta refuses free text (131047), so the approved template goes.
            result.whatsappForm = WhatsAppForm.choose(allowFreeText: windowOpen, hasTemplate: draft.template.whatsapp != nil)
            if result.whatsappForm == .template { result.whatsappTemplate = draft.template.whatsapp?.name }
        }
        // The last outcome is the one that counts (a fallback SMS after a WhatsApp failure).
        for outcome in report.outcomes {
            switch outcome {
            case let .sent(channel, _, messageId, wasDryRun):
                result.channel = channel
                result.status = "sent"
                result.messageId = messageId
                result.dryRun = wasDryRun
                result.provider = wasDryRun ? "dry-run" : (channel == .whatsapp ? "whatsapp" : "twilio")
                result.errorCode = nil
            case let .failed(channel, _, code, _):
                result.channel = channel
                result.status = "failed"
                result.errorCode = code
                result.provider = channel == .whatsapp ? "whatsapp" : "twilio"
            case let .ignoredInvalidPhone(reason):
                result.status = "ignored_invalid_phone"
                result.errorCode = reason
            case let .skipped(_, reason, detail):
                result.status = "skipped"
                result.errorCode = reason.rawValue
                result.warnings.append(detail)
            }
        }
        return result
    }
}

extension RunSummary {
    /// The route's answer for one scheduler run.
    init(kind: String, dryRun: Bool, actor: String, summary: AvisoScheduler.RunSummary, startedAt: Date) {
        let ignored = summary.skipped.filter { $0.key.hasPrefix("invalid_phone") }.values.reduce(0, +)
        self.init(kind: kind, dryRun: dryRun, actor: actor, startedAt: startedAt, finishedAt: Date(), due: summary.due,
                  sent: summary.sent, failed: summary.failed, ignoredInvalidPhone: ignored,
                  skipped: summary.skipped.filter { !$0.key.hasPrefix("invalid_phone") }, deferred: summary.deferred,
                  unknown: summary.unknown)
    }
}
