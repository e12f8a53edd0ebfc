import Foundation
import Logging

/// Sends SMS through Twilio: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded,
/// HTTP Basic `AccountSid:AuthToken`.
public struct TwilioSMSProvider: MessageProvider {
    public let name = "twilio"
    public let channel = Channel.sms
    public let configuration: TwilioConfiguration
    private let transport: any HTTPTransport
    private let logger: Logger

    public init(
        configuration: TwilioConfiguration,
        transport: any HTTPTransport = URLSessionTransport(),
        logger: Logger = Logger(label: "aviso.messaging.twilio")
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
    }

    public func send(_ message: OutgoingMessage) async throws(ProviderFailure) -> ProviderAcceptance {
        guard message.channel == .sms else {
            throw fail(nil, nil, .permanent, "message is for channel \(message.channel.rawValue)", to: message.to)
        }
        guard message.to.hasPrefix("+"), message.to.dropFirst().allSatisfy(\.isNumber), message.to.count >= 8 else {
            throw fail(nil, nil, .permanent, "recipient is not E.164 with +", to: message.to)
        }
        guard !message.text.isEmpty else { throw fail(nil, nil, .permanent, "empty body", to: message.to) }
        var fields: [(String, String)] = [("To", message.to), ("Body", message.text)]
        switch configuration.sender {
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        case .from(let number): fields.append(("From", number))
        }
        if let callback = configuration.statusCallback {
            fields.append(("StatusCallback", TwilioConfiguration.statusCallback(callback, messageKey: message.callbackData)))
        }

        let url = configuration.accountURL.appendingPathComponent("Messages.json")
        let response = try await perform(
            TransportRequest(method: "POST", url: url, headers: headers(form: true), body: Data(Self.formEncode(fields).utf8)),
            to: message.to
        )
        guard let created = try? JSONDecoder().decode(MessageResource.self, from: response.body), created.sid.hasPrefix("SM") || created.sid.hasPrefix("MM") else {
            // 2xx but unreadable: Twilio probably queued it, so don't retry into a duplicate.
            throw fail(nil, response.status, .permanent, "2xx without message sid", to: message.to)
        }
        logger.info("twilio accepted", metadata: ["to": "\(Masking.phone(message.to))", "message_id": "\(created.sid)", "status": "\(created.status)"])
        return ProviderAcceptance(provider: name, messageId: created.sid, initialStatus: created.status)
    }

    /// Current status of a sent message (`GET …/Messages/{sid}.json`), to reconcile sends whose
    /// outcome is unknown (timeouts) or whose callbacks never arrived.
    public func fetchStatus(messageId: String) async throws(ProviderFailure) -> String {
        // The sid goes into the path: accept only Twilio's alphanumeric sids.
        guard !messageId.isEmpty, messageId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw fail(nil, nil, .permanent, "invalid message sid", to: "")
        }
        let url = configuration.accountURL.appendingPathComponent("Messages").appendingPathComponent("\(messageId).json")
        let response = try await perform(TransportRequest(method: "GET", url: url, headers: headers(form: false)), to: "")
        guard let resource = try? JSONDecoder().decode(MessageResource.self, from: response.body) else {
            throw fail(nil, response.status, .retryable, "unreadable message resource", to: "")
        }
        return resource.status
    }

    // MARK: HTTP

    private func headers(form: Bool) -> [String: String] {
        let credentials = Data("\(configuration.accountSid):\(configuration.authToken.value)".utf8).base64EncodedString()
        var headers = ["Authorization": "Basic \(credentials)", "Accept": "application/json"]
        if form { headers["Content-Type"] = "application/x-www-form-urlencoded" }
        return headers
    }

    /// Sends and returns a 2xx response, or throws the classified failure.
    private func perform(_ request: TransportRequest, to: String) async throws(ProviderFailure) -> TransportResponse {
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw fail(nil, nil, .retryable, "network: \(error)", to: to)
        }
        guard (200..<300).contains(response.status) else {
            let error = try? JSONDecoder().decode(TwilioError.self, from: response.body)
            let rule = ProviderErrorClassification.classifyTwilio(code: error?.code, httpStatus: response.status)
            // Known codes get our fixed reason; unknown ones Twilio's text with numbers masked
            // (21211's message quotes the full 'To' number).
            let known = error?.code.map { ProviderErrorClassification.twilio[$0] != nil } ?? false
            let reason = known ? rule.reason : (error?.message).map { Redaction.scrubProviderText($0) } ?? rule.reason
            throw fail(error?.code, response.status, rule.kind, reason, to: to)
        }
        return response
    }

    private func fail(_ code: Int?, _ status: Int?, _ kind: ProviderFailureKind, _ reason: String, to: String) -> ProviderFailure {
        var summary = "twilio"
        if let code { summary += " error \(code)" }
        if let status { summary += " (HTTP \(status))" }
        summary += ": \(reason)"
        logger.warning("twilio request failed", metadata: [
            "to": "\(to.isEmpty ? "-" : Masking.phone(to))",
            "code": "\(code.map(String.init) ?? "-")",
            "http_status": "\(status.map(String.init) ?? "-")",
            "kind": "\(kind.rawValue)",
            "reason": "\(reason)",  // fixed table text, or provider text with numbers masked
        ])
        return ProviderFailure(provider: name, code: code, httpStatus: status, kind: kind, summary: summary)
    }

    /// application/x-www-form-urlencoded with strict escaping: `+` in E.164 numbers must become
    /// `%2B`, or the server decodes it as a space.
    static func formEncode(_ fields: [(String, String)]) -> String {
        // ASCII only: `.alphanumerics` would let "ñ"/"á" through unescaped.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

// MARK: Wire types (PROVIDERS.md §B)

private struct MessageResource: Decodable {
    var sid: String
    var status: String
}

private struct TwilioError: Decodable {
    var code: Int?
    var message: String?
}
