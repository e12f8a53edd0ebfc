import AvisoLedger
import AvisoMessaging
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/webhooks/twilio` and `/api/webhooks/whatsapp`: verify the provider's signature on
/// the raw bytes, turn the body into events, append the ones the ledger does not have yet
/// durably in one transaction, answer 200. Nothing is appended for a request that fails
/// verification or parsing, and without the provider's secret the route answers 503.
struct WebhookController {
    typealias Context = AppRequestContext
    let arguments: AppArguments
    let sink: any EventSink
    let metrics: ServerMetrics
    /// Twilio's HMAC keyed once with the auth token (keying it cost more than the rest of the check).
    let twilioKeyed: PreKeyed<Insecure.SHA1>?
    let metaKeyed: PreKeyed<SHA256>?

    init(arguments: AppArguments, sink: any EventSink, metrics: ServerMetrics) {
        self.arguments = arguments
        self.sink = sink
        self.metrics = metrics
        twilioKeyed = arguments.twilioAuthToken.map { PreKeyed(TwilioSignature.keyed($0)) }
        metaKeyed = arguments.whatsappAppSecret.map { PreKeyed(MetaSignature.keyed($0)) }
    }

    static let twilioSignatureHeader = HTTPField.Name("X-Twilio-Signature")!
    static let metaSignatureHeader = HTTPField.Name("X-Hub-Signature-256")!

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("twilio", use: twilio)
        routes.get("whatsapp", use: whatsappVerify)
        routes.post("whatsapp", use: whatsapp)
        return routes
    }

    // MARK: Twilio

    @Sendable func twilio(_ request: Request, context: Context) async throws -> Response {
        let token = try secret(arguments.twilioAuthToken, provider: "Twilio", variable: "TWILIO_AUTH_TOKEN")
        let body = try await request.body.collect(upTo: WebhookLimits.maxTwilioBodyBytes)
        let parameters = FormEncoding.parse(body)
        if let token {
            guard let signature = request.headers[Self.twilioSignatureHeader] else {
                throw APIError.badRequest("X-Twilio-Signature is missing", code: "signature_missing")
            }
            let url = publicURL(for: request)
            guard TwilioSignature.isValid(signature: signature, keyed: twilioKeyed?.hmac ?? TwilioSignature.keyed(token), url: url,
                                          parameters: parameters) else {
                context.logger.warning("twilio webhook: signature mismatch, nothing appended")
                throw APIError.forbidden("X-Twilio-Signature does not match", code: "signature_mismatch")
            }
        }
        var fields: [String: String] = [:]
        for (name, value) in parameters where fields[name] == nil { fields[name] = value }
        let parsed: WebhookEvents.Parsed
        do {
            let key = request.uri.queryParameters[Substring(TwilioConfiguration.messageKeyParameter)].map(String.init)
            parsed = try WebhookEvents.fromTwilio(fields, receivedAt: Date(), messageKey: key)
        } catch let .missing(name) {
            throw APIError.badRequest("the \(name) parameter is missing", code: "invalid_callback")
        } catch let .unknownStatus(word) {
            throw APIError.badRequest("MessageStatus `\(word)` is not a status Aviso knows", code: "invalid_callback")
        } catch let .invalid(refusal) {
            context.logger.notice("twilio webhook refused, nothing appended", metadata: ["reason": "\(refusal.message)"])
            throw APIError.badRequest("the \(refusal.message)", code: "invalid_callback")
        }
        // A retry (Twilio's, with its I-Twilio-Idempotency-Token, or anyone's) carries the same
        // MessageSid and status, so the ledger's dedup key finds it: nothing is appended twice.
        let outcome = try await sink.ingest(parsed.groups)
        metrics.countWebhook(provider: "twilio", statuses: parsed.statusWords + Array(repeating: "duplicate", count: outcome.duplicates))
        if parsed.statusWords.contains("inbound") {
            // Inbound messages expect TwiML; an empty response sends no reply.
            return Response(status: .ok, headers: [.contentType: "text/xml"],
                            body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")))
        }
        return Response(status: .ok)
    }

    /// The provider's secret; without it the route is refused (fail closed), unless the
    /// insecure development switch is on (then nil: unsigned bodies are accepted).
    func secret(_ value: String?, provider: String, variable: String) throws -> String? {
        if let value { return value }
        if arguments.insecureUnsignedWebhooks { return nil }
        throw APIError(.serviceUnavailable, code: "webhook_not_configured",
                       "\(variable) is not set on this server, so \(provider) webhooks cannot be verified and are refused")
    }

    /// The URL Twilio called: the configured public base plus the path and query as received
    /// (TLS ends at a proxy, so the scheme and host seen here are not the public ones).
    func publicURL(for request: Request) -> String {
        let pathAndQuery = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
        if let base = arguments.publicURL { return base + pathAndQuery }
        let host = request.head.authority ?? "\(arguments.host):\(arguments.port)"
        return "http://\(host)\(pathAndQuery)"
    }

    // MARK: WhatsApp

    @Sendable func whatsappVerify(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        guard let expected = arguments.whatsappVerifyToken,
              query["hub.mode"].map(String.init) == "subscribe",
              let token = query["hub.verify_token"].map(String.init),
              Secrets.constantTimeEqual(token, expected),
              let challenge = query["hub.challenge"].map(String.init) else {
            throw APIError.forbidden("verification refused", code: "verification_failed")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
    }

    /// What a WhatsApp webhook appended, for whoever reads the answer (Meta ignores it).
    struct WhatsAppAnswer: Encodable {
        var appended: Int
        var duplicates: Int
        var ignored: Int
        var refused: [WebhookEvents.Refused]

        /// The usual answer (nothing refused) written by hand, as the encoder writes it
        /// (sorted keys): it went out with every status Meta sends.
        var plainJSON: String {
            #"{"appended":\#(appended),"duplicates":\#(duplicates),"ignored":\#(ignored),"refused":[]}"#
        }
    }

    @Sendable func whatsapp(_ request: Request, context: Context) async throws -> Response {
        let secret = try secret(arguments.whatsappAppSecret, provider: "WhatsApp", variable: "WHATSAPP_APP_SECRET")
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = body.readableBytesView
        if let secret {
            guard let header = request.headers[Self.metaSignatureHeader] else {
                throw APIError.badRequest("X-Hub-Signature-256 is missing", code: "signature_missing")
            }
            guard MetaSignature.isValid(header: header, keyed: metaKeyed?.hmac ?? MetaSignature.keyed(secret), body: bytes) else {
                context.logger.warning("whatsapp webhook: signature mismatch, nothing appended")
                throw APIError.forbidden("X-Hub-Signature-256 does not match", code: "signature_mismatch")
            }
        }
        let payload: WhatsAppPayload
        do {
            payload = try WhatsAppPayload.decode(body)
        } catch {
            throw APIError.badRequest("the body is not a WhatsApp webhook JSON object", code: "invalid_json")
        }
        let items = WebhookEvents.itemCount(payload)
        guard items <= WebhookLimits.maxItemsPerRequest else {
            context.logger.warning("whatsapp webhook: too many statuses, nothing appended", metadata: ["items": "\(items)"])
            throw APIError(.contentTooLarge, code: "too_many_statuses",
                           "\(items) statuses and messages in one request; at most \(WebhookLimits.maxItemsPerRequest) are accepted")
        }
        let parsed = WebhookEvents.fromWhatsApp(payload, receivedAt: Date())
        let outcome = try await sink.ingest(parsed.groups)
        metrics.countWebhook(provider: "whatsapp", statuses: parsed.statusWords + Array(repeating: "duplicate", count: outcome.duplicates))
        if parsed.ignored > 0 {
            context.logger.notice("whatsapp webhook: entries ignored", metadata: ["ignored": "\(parsed.ignored)"])
        }
        if let first = parsed.refused.first {
            // Answered 200 all the same: a non-200 makes Meta resend the whole batch for 7 days.
            context.logger.notice("whatsapp webhook: statuses refused, the rest appended",
                                  metadata: ["refused": "\(parsed.refused.count)", "reason": "\(first.reason)"])
        }
        let answer = WhatsAppAnswer(appended: outcome.appended, duplicates: outcome.duplicates, ignored: parsed.ignored,
                                    refused: parsed.refused)
        return try answer.refused.isEmpty ? JSONResponse.make(json: answer.plainJSON) : JSONResponse.make(answer)
    }
}
