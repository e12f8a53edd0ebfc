import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Logging

/// The scheduler's messages through the real send path (`MessageSender`): the client's number
/// and the stage's templates from the read models, the provider (or a dry run) chosen there.
public struct MessagingDispatcher: MessageDispatching {
    public let store: AvisoStore
    public let sender: MessageSender
    public let actor: String
    private let logger: Logger

    public init(store: AvisoStore, sender: MessageSender, actor: String = "scheduler", logger: Logger = Logger(label: "aviso.scheduler")) {
        self.store = store
        self.sender = sender
        self.actor = actor
        self.logger = logger
    }

    /// A sender whose events go into `store`, with the providers the composition root decided.
    public static func sender(for store: AvisoStore, configuration: ProviderConfiguration,
                              logger: Logger = Logger(label: "aviso.messaging")) throws -> MessageSender {
        let rate = try store.read { try MessagingSettings.current($0).whatsappMessagesPerSecond }
        return MessageSender(configuration: configuration, whatsappMessagesPerSecond: rate,
                             logger: logger) { events in try await store.append(events) }
    }

    public func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult {
        do {
            guard let (stage, _) = TemplateStage.resolve(schedulerStage: message.templateStage) else {
                return .skipped(.renderError)
            }
            let loaded = try store.read { db -> (ClientRecord, [Channel: MessageTemplate], Bool, Bool, MetaTemplateState?)? in
                guard let client = try ClientRecord.fetchOne(db, key: message.clientId) else { return nil }
                let e164 = try? PhoneNumberParser.parse(client.phone, defaultRegion: client.phoneCountryCode ?? "GT").e164
                let open = try e164.map { try TemplateLookup.whatsappWindowOpen(db, e164: $0, now: message.at) } ?? false
                let templates = try TemplateLookup.templates(db, stage: stage)
                return (client, templates, open, try MessagingSettings.current(db).transliteratesSMS,
                        try MetaTemplateLookup.state(db, for: templates[.whatsapp]?.whatsapp))
            }
            guard let (client, templates, windowOpen, transliterates, onMeta) = loaded else { return .ignored(reason: "unknown_client") }
            var context = message.templateContext
            context.transliteratesSMS = transliterates
            let preferred = PreferredChannel(rawValue: client.preferredChannel) ?? .whatsapp
            let channel = ChannelSelection.deliveryChannel(intended: message.channel, preferred: preferred, configured: sender.isConfigured)
            let request = SendRequest(messageKey: message.messageKey, clientId: message.clientId, installmentId: message.installmentId,
                                      stage: message.stage, phone: client.phone, phoneCountry: client.phoneCountryCode,
                                      preferredChannel: preferred, onlyChannel: channel, templates: templates,
                                      context: context, dryRun: dryRun, allowFreeText: windowOpen,
                                      at: message.at, actor: actor,
                                      // A `both` client's SMS for this moment is its own message: no second one as a fallback.
                                      smsFallback: !ClientInfo.channels(preferred: client.preferredChannel).contains(.sms),
                                      whatsappTemplateOnMeta: onMeta)
            let report = try await sender.send(request)
            return Self.result(of: report)
        } catch {
            logger.error("dispatch failed", metadata: ["message": "\(message.messageKey)", "error": "\(error)"])
            return .failed
        }
    }

    /// One result for the scheduler: sent if anything went out (a fallback SMS counts).
    static func result(of report: SendReport) -> DispatchResult {
        var result: DispatchResult = .failed
        for outcome in report.outcomes {
            switch outcome {
            case .sent: return .sent
            case .failed: result = .failed
            case let .ignoredInvalidPhone(reason): result = .ignored(reason: reason)
            case let .skipped(_, reason, _): result = .skipped(reason)
            }
        }
        return result
    }
}

extension Scheduler {
    /// The scheduler over the real send path: providers as `sender` was configured, dry-run
    /// for any whose variables are missing. A send whose outcome is unknown after a crash is
    /// resolved by the provider's status callback, which carries the message key.
    public static func live(store: AvisoStore, sender: MessageSender) -> Scheduler {
        Scheduler(store: store, dispatcher: MessagingDispatcher(store: store, sender: sender))
    }
}
