import Foundation
import Logging

/// Sends through the WhatsApp Cloud API: `POST {base}/{version}/{phoneId}/messages`.
public struct WhatsAppCloudProvider: MessageProvider {
    public let name = "whatsapp"
    public let channel = Channel.whatsapp
    public let configuration: WhatsAppConfiguration
    private let transport: any HTTPTransport
    private let rateLimiter: SendRateLimiter
    private let logger: Logger

    /// - Parameter rateLimiter: share one limiter per business phone number: throughput
    ///   (130429) is counted per number, not per provider value.
    public init(
        configuration: WhatsAppConfiguration,
        transport: any HTTPTransport = URLSessionTransport(),
        rateLimiter: SendRateLimiter = SendRateLimiter(),
        logger: Logger = Logger(label: "aviso.messaging.whatsapp")
    ) {
        self.configuration = configuration
        self.transport = transport
        self.rateLimiter = rateLimiter
        self.logger = logger
    }

    public func send(_ message: OutgoingMessage) async throws(ProviderFailure) -> ProviderAcceptance {
        let body = try requestBody(for: message)
        do {
            try await rateLimiter.acquire()
        } catch {
            throw fail(nil, nil, .retryable, "cancelled while rate limited", to: message.to)
        }
        let request = TransportRequest(
            method: "POST",
            url: configuration.messagesURL,
            headers: [
                "Authorization": "Bearer \(configuration.accessToken.value)",
                "Content-Type": "application/json",
                "Accept": "application/json",
            ],
            body: body
        )
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw fail(nil, nil, .retryable, "network: \(error)", to: message.to)
        }

        guard (200..<300).contains(response.status) else { throw failure(from: response, to: message.to) }
        // A 2xx without a wamid: Meta probably accepted it, so retrying risks a duplicate.
        guard let success = try? JSONDecoder().decode(SendResponse.self, from: response.body),
              let id = success.messages.first?.id
        else { throw fail(nil, response.status, .permanent, "2xx without message id", to: message.to) }
        logger.info("whatsapp accepted", metadata: ["to": "\(Masking.phone(message.to))", "message_id": "\(id)"])
        return ProviderAcceptance(provider: name, messageId: id, initialStatus: "accepted")
    }

    // MARK: Request

    /// Free text only when the caller knows the 24 h window is open; otherwise a template,
    /// because free text outside the window fails with 131047.
    func requestBody(for message: OutgoingMessage) throws(ProviderFailure) -> Data {
        guard message.channel == .whatsapp else {
            throw fail(nil, nil, .permanent, "message is for channel \(message.channel.rawValue)", to: message.to)
        }
        // Always '+' and country code: without '+', Meta prepends the business number's country code.
        guard message.to.hasPrefix("+"), message.to.dropFirst().allSatisfy(\.isNumber), message.to.count >= 8 else {
            throw fail(nil, nil, .permanent, "recipient is not E.164 with +", to: message.to)
        }
        var payload = GraphSendRequest(to: message.to, bizOpaqueCallbackData: message.callbackData)
        switch (message.whatsappForm, message.whatsappTemplate) {
        case (.freeText?, _):
            guard !message.text.isEmpty else { throw fail(nil, nil, .permanent, "empty text", to: message.to) }
            payload.type = "text"
            payload.text = .init(body: message.text)
        case let (.template?, template?):
            payload.type = "template"
            payload.template = .init(
                name: template.name,
                language: .init(code: template.language),
                // A template without variables takes no components at all.
                components: template.bodyParameters.isEmpty
                    ? nil : [.init(type: "body", parameters: template.bodyParameters.map { .init(type: "text", text: $0) })]
            )
        case (.template?, nil), (nil, _):
            throw fail(nil, nil, .permanent, "no template and free text not allowed", to: message.to)
        }
        do { return try JSONEncoder().encode(payload) } catch {
            throw fail(nil, nil, .permanent, "could not encode request", to: message.to)
        }
    }

    // MARK: Errors

    /// Graph error body → classified failure. Logs code + fbtrace_id, never the token or number.
    private func failure(from response: TransportResponse, to: String) -> ProviderFailure {
        let error = (try? JSONDecoder().decode(GraphErrorEnvelope.self, from: response.body))?.error
        let rule = ProviderErrorClassification.classifyWhatsApp(code: error?.code, httpStatus: response.status)
        // Known codes get our fixed reason; unknown ones the provider's text, phone numbers masked.
        let known = error?.code.map { ProviderErrorClassification.whatsapp[$0] != nil } ?? false
        let reason = known ? rule.reason : (error?.message).map { Redaction.scrubProviderText($0) } ?? rule.reason
        return fail(error?.code, response.status, rule.kind, reason, traceId: error?.fbtraceId, to: to)
    }

    private func fail(
        _ code: Int?, _ status: Int?, _ kind: ProviderFailureKind, _ reason: String, traceId: String? = nil, to: String
    ) -> ProviderFailure {
        var summary = "whatsapp"
        if let code { summary += " error \(code)" }
        if let status { summary += " (HTTP \(status))" }
        summary += ": \(reason)"
        if let traceId { summary += " [fbtrace_id \(traceId)]" }
        logger.warning("whatsapp send failed", metadata: [
            "to": "\(Masking.phone(to))",
            "code": "\(code.map(String.init) ?? "-")",
            "http_status": "\(status.map(String.init) ?? "-")",
            "kind": "\(kind.rawValue)",
            "fbtrace_id": "\(traceId ?? "-")",
            "reason": "\(reason)",  // fixed table text, or provider text with numbers masked
        ])
        return ProviderFailure(provider: name, code: code, httpStatus: status, kind: kind, traceId: traceId, summary: summary)
    }
}

// MARK: Wire types (Graph API shapes, PROVIDERS.md §A)

private struct GraphSendRequest: Encodable {
    struct Text: Encodable {
        var previewURL = false
        var body: String
        enum CodingKeys: String, CodingKey { case previewURL = "preview_url", body }
    }
    struct Template: Encodable {
        struct Language: Encodable { var code: String }
        struct Component: Encodable {
            struct Parameter: Encodable { var type: String; var text: String }
            var type: String
            var parameters: [Parameter]
        }
        var name: String
        var language: Language
        var components: [Component]?
    }

    var messagingProduct = "whatsapp"
    var recipientType = "individual"
    var to: String
    var type = "template"
    var bizOpaqueCallbackData: String?
    var text: Text?
    var template: Template?

    enum CodingKeys: String, CodingKey {
        case messagingProduct = "messaging_product", recipientType = "recipient_type", to, type
        case bizOpaqueCallbackData = "biz_opaque_callback_data", text, template
    }
}

private struct SendResponse: Decodable {
    struct Message: Decodable { var id: String }
    var messages: [Message]
}

private struct GraphErrorEnvelope: Decodable {
    struct GraphError: Decodable {
        var code: Int?
        var message: String?
        var fbtraceId: String?
        enum CodingKeys: String, CodingKey { case code, message, fbtraceId = "fbtrace_id" }
    }
    var error: GraphError
}
