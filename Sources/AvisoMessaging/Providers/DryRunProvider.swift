import Foundation
import Logging

/// Used when a provider is not configured: accepts everything, never touches the network.
public struct DryRunProvider: MessageProvider {
    public let name = "dry-run"
    public let channel: Channel
    private let logger: Logger

    public init(channel: Channel, logger: Logger = Logger(label: "aviso.messaging.dry-run")) {
        self.channel = channel
        self.logger = logger
    }

    public func send(_ message: OutgoingMessage) async throws(ProviderFailure) -> ProviderAcceptance {
        let id = "dry-run-\(UUID().uuidString.lowercased())"
        logger.info("dry-run send (provider not configured)", metadata: [
            "channel": "\(channel.rawValue)", "to": "\(Masking.phone(message.to))", "message_id": "\(id)",
        ])
        return ProviderAcceptance(provider: name, messageId: id, initialStatus: "dry-run")
    }
}

extension ProviderConfiguration {
    /// The provider for a channel: the real one when configured, otherwise `DryRunProvider`.
    public func makeProvider(
        for channel: Channel,
        transport: any HTTPTransport = URLSessionTransport(),
        rateLimiter: SendRateLimiter = SendRateLimiter(),
        logger: Logger = Logger(label: "aviso.messaging")
    ) -> any MessageProvider {
        switch channel {
        case .whatsapp:
            if let whatsapp { return WhatsAppCloudProvider(configuration: whatsapp, transport: transport, rateLimiter: rateLimiter, logger: logger) }
        case .sms:
            if let twilio { return TwilioSMSProvider(configuration: twilio, transport: transport, logger: logger) }
        }
        return DryRunProvider(channel: channel, logger: logger)
    }
}
