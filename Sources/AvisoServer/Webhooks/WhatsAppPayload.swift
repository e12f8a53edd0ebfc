import AvisoLedger
import Foundation

/// The parts of Meta's webhook body Aviso reads. Everything is optional and unknown fields
/// are ignored: Meta adds fields without notice.
struct WhatsAppPayload: Decodable {
    var object: String?
    var entry: [Entry]?

    struct Entry: Decodable {
        var id: String?
        var changes: [Change]?
    }

    struct Change: Decodable {
        var field: String?
        var value: Value?
    }

    struct Value: Decodable {
        var statuses: [Status]?
        var messages: [Message]?
        /// Account fields (`message_template_status_update`, `template_category_update`,
        /// `phone_number_quality_update`): see `WhatsAppAccountWebhook`.
        var event: String?
        var message_template_id: FlexibleString?
        var message_template_name: String?
        var message_template_language: String?
        var message_template_category: String?
        var reason: String?
        var new_category: String?
        var current_limit: String?
    }

    struct Status: Decodable {
        var id: String?
        var status: String?
        var timestamp: String?
        var recipient_id: String?
        var errors: [ErrorItem]?
        /// Echo of the send's `biz_opaque_callback_data`: Aviso's message key.
        var biz_opaque_callback_data: String?
        /// What this message costs (on `sent`, and one of `delivered`/`read`).
        var pricing: Pricing?
    }

    struct Pricing: Decodable {
        var billable: Bool?
        var pricing_model: String?
        var category: String?
        var type: String?
    }

    struct ErrorItem: Decodable {
        var code: FlexibleString?
    }

    struct Message: Decodable {
        var from: String?
        var id: String?
        var timestamp: String?
        var type: String?
        var text: Text?
        var button: Button?
        var interactive: Interactive?

        struct Text: Decodable { var body: String? }
        struct Button: Decodable { var text: String?; var payload: String? }
        struct Interactive: Decodable {
            var button_reply: Reply?
            var list_reply: Reply?
            struct Reply: Decodable { var title: String? }
        }

        /// What the person wrote or tapped, for opt-out detection.
        var words: [String] {
            [text?.body, button?.text, button?.payload, interactive?.button_reply?.title, interactive?.list_reply?.title].compactMap { $0 }
        }
    }
}

/// A number or a string in JSON, as text (Meta sends error codes as numbers).
struct FlexibleString: Decodable {
    var value: String
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s }
        else if let i = try? c.decode(Int64.self) { value = String(i) }
        else { value = String(try c.decode(Double.self)) }
    }
}

/// Turns webhooks into ledger events: pure functions, so tests can check them directly.
enum WebhookEvents {
    /// Meta's `status` words to ours; `played` (voice message) counts as read.
    static func whatsappStatus(_ raw: String) -> DeliveryStatus? {
        switch raw.lowercased() {
        case "sent": .sent
        case "delivered": .delivered
        case "read", "played": .read
        case "failed": .failed
        default: nil
        }
    }

    /// Twilio's `MessageStatus` words to ours. `scheduled` is accepted-and-waiting;
    /// `partially_delivered` (some segments) is not yet delivered, so it ranks as sent.
    static func twilioStatus(_ raw: String) -> DeliveryStatus? {
        switch raw.lowercased() {
        case "scheduled": .accepted
        case "partially_delivered": .sent
        default: DeliveryStatus(rawValue: raw.lowercased())
        }
    }

    /// Meta's `from`/`recipient_id` (digits, no `+`) as E.164. Mexican mobiles arrive as
    /// 521 + 10 digits; the `1` is dropped.
    static func e164(fromWhatsApp raw: String) -> String? {
        var digits = raw.filter { $0.isASCII && $0.isNumber }
        guard digits.count >= 8, digits.count <= 15 else { return nil }
        if digits.hasPrefix("521"), digits.count == 13 { digits.remove(at: digits.index(digits.startIndex, offsetBy: 2)) }
        return "+" + digits
    }

    /// A message key echoed back by a provider, if it looks like one of ours (bounded, printable).
    static func messageKey(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty, raw.utf8.count <= 512,
              raw.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return nil }
        return raw
    }

    static func date(unixSeconds text: String?) -> Date? {
        guard let text, let seconds = Double(text) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    struct Parsed {
        var events: [NewEvent] = []
        /// (provider status word, counted) for metrics, including ignored ones.
        var statusWords: [String] = []
        var ignored = 0
    }

    static let whatsappActor = "webhook:whatsapp"
    static let twilioActor = "webhook:twilio"

    static func fromWhatsApp(_ payload: WhatsAppPayload, receivedAt: Date) -> Parsed {
        var out = Parsed()
        for entry in payload.entry ?? [] {
            for change in entry.changes ?? [] {
                guard let event = WhatsAppAccountWebhook.event(change, receivedAt: receivedAt) else { continue }
                out.events.append(NewEvent(event, actor: whatsappActor))
                out.statusWords.append(change.field ?? "")
            }
            for change in entry.changes ?? [] where change.field == nil || change.field == "messages" {
                guard let value = change.value else { continue }
                for status in value.statuses ?? [] {
                    guard let id = status.id, !id.isEmpty, let word = status.status, let mapped = whatsappStatus(word) else {
                        out.ignored += 1
                        out.statusWords.append("ignored")
                        continue
                    }
                    let event = DeliveryStatusReceived(provider: "whatsapp", messageId: id, status: mapped,
                                                       errorCode: status.errors?.first?.code?.value,
                                                       providerTime: date(unixSeconds: status.timestamp),
                                                       recipient: status.recipient_id.flatMap(e164(fromWhatsApp:)),
                                                       messageKey: messageKey(status.biz_opaque_callback_data),
                                                       pricingBillable: status.pricing?.billable, pricingModel: status.pricing?.pricing_model,
                                                       pricingCategory: status.pricing?.category, pricingType: status.pricing?.type)
                    out.events.append(NewEvent(.deliveryStatusReceived(event), actor: whatsappActor))
                    out.statusWords.append(mapped.rawValue)
                }
                for message in value.messages ?? [] {
                    guard let from = message.from.flatMap(e164(fromWhatsApp:)) else {
                        out.ignored += 1
                        continue
                    }
                    let at = date(unixSeconds: message.timestamp) ?? receivedAt
                    out.events.append(NewEvent(.inboundMessageReceived(
                        InboundMessageReceived(provider: "whatsapp", from: from, at: at, messageId: message.id)), actor: whatsappActor))
                    out.statusWords.append("inbound")
                    if let keyword = message.words.lazy.compactMap(OptOutKeywords.match).first {
                        out.events.append(NewEvent(.optedOut(OptedOut(clientId: nil, phone: from, channel: .whatsapp,
                                                                      source: "keyword:\(keyword)")), actor: whatsappActor))
                        out.statusWords.append("opted_out")
                    }
                }
            }
        }
        return out
    }

    enum TwilioParseError: Error, Equatable {
        case missing(String)
        case unknownStatus(String)
    }

    /// A Twilio callback: a status callback for a message we sent, or an inbound message
    /// (a reply, perhaps STOP/BAJA).
    /// `messageKey`: the StatusCallback URL's `aviso_key` query parameter, when present.
    static func fromTwilio(_ fields: [String: String], receivedAt: Date, messageKey rawKey: String? = nil) throws(TwilioParseError) -> Parsed {
        var out = Parsed()
        let sid = fields["MessageSid"] ?? fields["SmsSid"]
        let statusWord = fields["MessageStatus"] ?? fields["SmsStatus"]
        let inbound = statusWord.map { ["received", "receiving"].contains($0.lowercased()) }
            ?? (fields["Body"] != nil)
        if inbound {
            guard let from = fields["From"], !from.isEmpty else { throw .missing("From") }
            let phone = from.hasPrefix("+") ? from : from.replacingOccurrences(of: "whatsapp:", with: "")
            out.events.append(NewEvent(.inboundMessageReceived(
                InboundMessageReceived(provider: "twilio", from: phone, at: receivedAt, messageId: sid)), actor: twilioActor))
            out.statusWords.append("inbound")
            if let keyword = fields["Body"].flatMap(OptOutKeywords.match) {
                out.events.append(NewEvent(.optedOut(OptedOut(clientId: nil, phone: phone, channel: .sms, source: "keyword:\(keyword)")),
                                           actor: twilioActor))
                out.statusWords.append("opted_out")
            }
            return out
        }
        guard let sid, !sid.isEmpty else { throw .missing("MessageSid") }
        guard let statusWord else { throw .missing("MessageStatus") }
        guard let status = twilioStatus(statusWord) else { throw .unknownStatus(statusWord) }
        let errorCode = fields["ErrorCode"].flatMap { $0.isEmpty ? nil : $0 }
        out.events.append(NewEvent(.deliveryStatusReceived(
            DeliveryStatusReceived(provider: "twilio", messageId: sid, status: status, errorCode: errorCode,
                                   providerTime: nil, recipient: fields["To"], messageKey: messageKey(rawKey))), actor: twilioActor))
        out.statusWords.append(status.rawValue)
        // 21610: the recipient replied STOP to this sender; Twilio blocks further messages.
        if errorCode == "21610", let to = fields["To"], !to.isEmpty {
            out.events.append(NewEvent(.optedOut(OptedOut(clientId: nil, phone: to, channel: .sms, source: "twilio:21610")),
                                       actor: twilioActor))
            out.statusWords.append("opted_out")
        }
        return out
    }
}
