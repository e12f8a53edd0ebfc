import AvisoLedger
import Foundation
import Logging
import Synchronization

/// The one send path, shared by the scheduler and the test endpoint: number → template →
/// provider (or dry run) → ledger. It records `MessageRendered` durably *before* calling a
/// provider, so a process killed mid-request leaves a rendered message without an outcome,
/// which the scheduler marks `unknown` instead of sending again (at most once).
public final class MessageSender: Sendable {
    public typealias Recorder = @Sendable ([NewEvent]) async throws -> Void

    private let configuration: ProviderConfiguration
    private let providers: [Channel: any MessageProvider]
    private let dryRunProviders: [Channel: any MessageProvider]
    private let retryPolicy: RetryPolicy
    private let record: Recorder
    private let logger: Logger
    /// WhatsApp sends stop after the account is restricted (368) or locked (131031) until restart.
    private let stoppedChannels = Mutex<Set<Channel>>([])

    public init(configuration: ProviderConfiguration, transport: any HTTPTransport = URLSessionTransport(),
                whatsappMessagesPerSecond: Double = 20, retryPolicy: RetryPolicy = RetryPolicy(),
                logger: Logger = Logger(label: "aviso.messaging"), record: @escaping Recorder) {
        self.configuration = configuration
        let limiter = SendRateLimiter(ratePerSecond: whatsappMessagesPerSecond)
        providers = Dictionary(uniqueKeysWithValues: Channel.allCases.map {
            ($0, configuration.makeProvider(for: $0, transport: transport, rateLimiter: limiter, logger: logger))
        })
        dryRunProviders = Dictionary(uniqueKeysWithValues: Channel.allCases.map { ($0, DryRunProvider(channel: $0, logger: logger) as any MessageProvider) })
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.record = record
    }

    public func isConfigured(_ channel: Channel) -> Bool { configuration.isConfigured(channel) }

    public func send(_ request: SendRequest) async throws -> SendReport {
        var report = SendReport()
        let number: PhoneNumber
        do {
            number = try PhoneNumberParser.parse(request.phone, defaultRegion: request.phoneCountry ?? "GT")
        } catch {
            try await ignore(request, reason: error.reason, &report)
            return report
        }
        guard number.canReceiveMessages else {
            try await ignore(request, reason: number.lineType == .fixedLine ? "fixed_line" : "not_mobile", &report)
            return report
        }
        let choices = ChannelSelection.choose(preferred: request.preferredChannel, only: request.onlyChannel,
                                              configured: isConfigured, forceDryRun: request.dryRun)
        for choice in choices {
            let failure = try await send(request, to: number, via: choice, key: request.key(for: choice.channel),
                                         fallbackOf: nil, &report)
            // "This person can't get it on WhatsApp" (or Meta would refuse the template): once
            // more on SMS, as its own message. A dry run's fallback is a dry run too.
            if let failure, failure.fallsBackToSMS, choice.channel == .whatsapp, request.smsFallback,
               isConfigured(.sms) || choice.dryRun, !choices.contains(where: { $0.channel == .sms }) {
                logger.notice("whatsapp not possible, falling back to sms", metadata: ["to": "\(Masking.phone(number.e164))", "why": "\(failure.why)"])
                _ = try await send(request, to: number, via: .init(channel: .sms, dryRun: choice.dryRun || !isConfigured(.sms)),
                                   key: request.key(for: .whatsapp) + ":fallback-sms", fallbackOf: request.key(for: .whatsapp), &report)
            }
        }
        return report
    }

    /// Why one message did not go out, when another channel might still carry it.
    private enum NotSent {
        case provider(ProviderFailure)
        case metaWouldRefuse(SkipReason)

        var fallsBackToSMS: Bool {
            switch self {
            case .provider(let failure): failure.kind == .fallbackToSMS
            case .metaWouldRefuse: true
            }
        }
        var why: String {
            switch self {
            case .provider(let failure): "code \(failure.code.map(String.init) ?? "-")"
            case .metaWouldRefuse(let reason): reason.rawValue
            }
        }
    }

    /// Sends one message on one channel. Returns why it did not go out, if that matters for a fallback.
    private func send(_ request: SendRequest, to number: PhoneNumber, via choice: ChannelSelection.Choice, key: String,
                      fallbackOf: String?, _ report: inout SendReport) async throws -> NotSent? {
        let channel = choice.channel
        if !choice.dryRun, stoppedChannels.withLock({ $0.contains(channel) }) {
            try await skip(request, channel: channel, reason: .channelStopped, detail: "\(channel.rawValue) sends stopped after an account restriction", &report)
            return nil
        }
        guard let template = request.templates[channel] else {
            try await skip(request, channel: channel, reason: .renderError, detail: "no \(channel.rawValue) template for \(request.stage)", &report)
            return nil
        }
        let rendered: RenderedMessage
        do {
            rendered = try TemplateRenderer.render(template, context: request.context)
        } catch {
            try await skip(request, channel: channel, reason: .renderError, detail: error.description, &report)
            return nil
        }
        // A template Meta's catalogue says it would refuse (132000/132001/132015) is not sent.
        if channel == .whatsapp, !request.allowFreeText, let meta = request.whatsappTemplateOnMeta,
           let refusal = meta.refusal(parameterCount: rendered.whatsappParameters?.count ?? 0) {
            try await skip(request, channel: channel, reason: refusal.reason,
                           detail: "\(template.whatsapp?.name ?? "-") (\(template.whatsapp?.language ?? "-")): \(refusal.detail)", &report)
            return .metaWouldRefuse(refusal.reason)
        }
        // Durable before the provider hears of it: see the type's comment.
        try await record([NewEvent(.messageRendered(MessageRendered(messageKey: key, clientId: request.clientId, installmentId: request.installmentId,
                                                                    stage: request.stage, channel: channel, text: rendered.text)),
                                   actor: request.actor)])
        FaultInjection.pauseIfRequested(.afterRender, detail: key)
        let message = OutgoingMessage(to: number.e164, channel: channel, text: rendered.text,
                                      whatsappTemplate: template.whatsapp.map {
                                          WhatsAppTemplateCall(name: $0.name, language: $0.language, bodyParameters: rendered.whatsappParameters ?? [])
                                      },
                                      allowFreeText: request.allowFreeText, callbackData: key)
        let provider = (choice.dryRun ? dryRunProviders : providers)[channel]!
        let outcome = await RetryingSender(provider: provider, policy: retryPolicy, logger: logger).send(message)
        switch outcome.result {
        case let .success(accepted):
            FaultInjection.pauseIfRequested(.afterProviderAccepted, detail: key)
            try await record([NewEvent(.messageSent(MessageSent(
                messageKey: key, clientId: request.clientId, installmentId: request.installmentId, stage: request.stage,
                channel: channel, provider: accepted.provider, to: number.e164, messageId: accepted.messageId,
                status: DeliveryStatus(rawValue: accepted.initialStatus) ?? .accepted, dryRun: choice.dryRun,
                test: request.test, fallbackOf: fallbackOf, at: request.at)), actor: request.actor)])
            report.outcomes.append(.sent(channel: channel, messageKey: key, messageId: accepted.messageId, dryRun: choice.dryRun))
            return nil
        case let .failure(failure):
            var events = [NewEvent(.sendFailed(SendFailed(
                messageKey: key, clientId: request.clientId, installmentId: request.installmentId, stage: request.stage,
                channel: channel, provider: failure.provider, to: number.e164, errorCode: failure.code.map(String.init),
                retryable: failure.kind == .retryable, attempts: outcome.attempts, detail: failure.summary, at: request.at)),
                actor: request.actor)]
            switch failure.kind {
            case .optedOut:
                events.append(NewEvent(.optedOut(OptedOut(clientId: request.clientId, phone: number.e164, channel: channel,
                                                          source: "\(failure.provider):\(failure.code.map(String.init) ?? "-")")),
                                       actor: request.actor))
            case .stopChannel:
                stoppedChannels.withLock { _ = $0.insert(channel) }
                logger.critical("provider restricted the account: stopping sends on this channel", metadata: ["provider": "\(failure.provider)", "code": "\(failure.code.map(String.init) ?? "-")", "trace": "\(failure.traceId ?? "-")"])
            case .authentication:
                logger.critical("provider rejected the credentials: check the token", metadata: ["provider": "\(failure.provider)", "code": "\(failure.code.map(String.init) ?? "-")"])
            case .retryable, .permanent, .fallbackToSMS:
                logger.warning("send failed", metadata: ["provider": "\(failure.provider)", "code": "\(failure.code.map(String.init) ?? "-")",
                                                        "trace": "\(failure.traceId ?? "-")", "attempts": "\(outcome.attempts)"])
            }
            try await record(events)
            report.outcomes.append(.failed(channel: channel, messageKey: key, code: failure.code.map(String.init), retryable: failure.kind == .retryable))
            return .provider(failure)
        }
    }

    private func ignore(_ request: SendRequest, reason: String, _ report: inout SendReport) async throws {
        try await record([NewEvent(.ignoredInvalidPhone(IgnoredInvalidPhone(
            clientId: request.clientId, installmentId: request.installmentId, stage: request.stage, reason: reason,
            rawMasked: Masking.phone(request.phone), at: request.at,
            messageKey: request.onlyChannel.map(request.key(for:)))), actor: request.actor)])
        report.outcomes.append(.ignoredInvalidPhone(reason: reason))
    }

    private func skip(_ request: SendRequest, channel: Channel?, reason: SkipReason, detail: String, _ report: inout SendReport) async throws {
        try await record([NewEvent(.messageSkipped(MessageSkipped(
            clientId: request.clientId, installmentId: request.installmentId, stage: request.stage, channel: channel,
            reason: reason, detail: detail, at: request.at, messageKey: channel.map(request.key(for:)))), actor: request.actor)])
        report.outcomes.append(.skipped(channel: channel, reason: reason, detail: detail))
    }
}
