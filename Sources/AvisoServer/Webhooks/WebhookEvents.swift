import AvisoLedger
import Foundation

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
        guard raw.utf8.count <= 32 else { return nil }
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

    /// Events from one request. Each group starts with the event whose dedup key decides
    /// for the whole group (an inbound message and the opt-out it carries go together).
    struct Parsed {
        var groups: [[NewEvent]] = []
        /// Provider status words, counted in metrics, including ignored and refused ones.
        var statusWords: [String] = []
        var ignored = 0
        /// Statuses not appended because a field was unreadable: what and why.
        var refused: [Refused] = []

        var events: [NewEvent] { groups.flatMap { $0 } }
    }

    struct Refused: Sendable, Equatable, Encodable {
        var id: String?
        var reason: String
    }

    static let whatsappActor = "webhook:whatsapp"
    static let twilioActor = "webhook:twilio"

    /// Statuses and messages in a WhatsApp body (for the per-request cap, before parsing them).
    static func itemCount(_ payload: WhatsAppPayload) -> Int {
        (payload.entry ?? []).reduce(0) { total, entry in
            (entry.changes ?? []).reduce(total) { $0 + ($1.value?.statuses?.count ?? 0) + ($1.value?.messages?.count ?? 0) }
        }
    }

    static func fromWhatsApp(_ payload: WhatsAppPayload, receivedAt: Date) -> Parsed {
        var out = Parsed()
        for entry in payload.entry ?? [] {
            // Account fields (template status and category, phone quality): no dedup key, each
            // event records a state the read model simply takes.
            for change in entry.changes ?? [] {
                guard let event = WhatsAppAccountWebhook.event(change, receivedAt: receivedAt) else { continue }
                out.groups.append([NewEvent(event, actor: whatsappActor)])
                out.statusWords.append(change.field ?? "")
            }
            for change in entry.changes ?? [] where change.field == nil || change.field == "messages" {
                guard let value = change.value else { continue }
                for status in value.statuses ?? [] {
                    guard let word = status.status, let mapped = whatsappStatus(word) else {
                        out.ignored += 1
                        out.statusWords.append("ignored")
                        continue
                    }
                    do throws(WebhookFields.Refusal) {
                        let id = try WebhookFields.messageId(status.id, field: "statuses[].id")
                        let time = try status.timestamp.map { text throws(WebhookFields.Refusal) in
                            try WebhookFields.unixSeconds(text, field: "statuses[].timestamp")
                        }
                        let code = try WebhookFields.errorCode(status.errors?.first?.code?.value, field: "statuses[].errors[].code")
                        let event = DeliveryStatusReceived(provider: "whatsapp", messageId: id, status: mapped, errorCode: code,
                                                           providerTime: time,
                                                           recipient: status.recipient_id.flatMap(e164(fromWhatsApp:)),
                                                           messageKey: messageKey(status.biz_opaque_callback_data),
                                                           pricingBillable: status.pricing?.billable,
                                                           pricingModel: status.pricing?.pricing_model.map(WebhookFields.word),
                                                           pricingCategory: status.pricing?.category.map(WebhookFields.word),
                                                           pricingType: status.pricing?.type.map(WebhookFields.word))
                        out.groups.append([NewEvent(.deliveryStatusReceived(event), actor: whatsappActor)])
                        out.statusWords.append(mapped.rawValue)
                    } catch {
                        out.refused.append(Refused(id: status.id.map { String($0.prefix(64)) }, reason: error.message))
                        out.statusWords.append("refused")
                    }
                }
                for message in value.messages ?? [] {
                    guard let from = message.from.flatMap(e164(fromWhatsApp:)) else {
                        out.ignored += 1
                        continue
                    }
                    // An unreadable time never costs an opt-out: the message counts as received now.
                    let at = message.timestamp.flatMap { try? WebhookFields.unixSeconds($0, field: "messages[].timestamp") } ?? receivedAt
                    let id = try? WebhookFields.messageId(message.id, field: "messages[].id")
                    var group = [NewEvent(.inboundMessageReceived(
                        InboundMessageReceived(provider: "whatsapp", from: from, at: at, messageId: id)), actor: whatsappActor)]
                    out.statusWords.append("inbound")
                    if let keyword = message.words.lazy.compactMap(OptOutKeywords.match).first {
                        group.append(NewEvent(.optedOut(OptedOut(clientId: nil, phone: from, channel: .whatsapp,
                                                                 source: "keyword:\(keyword)")), actor: whatsappActor))
                        out.statusWords.append("opted_out")
                    }
                    out.groups.append(group)
                }
            }
        }
        return out
    }

    enum TwilioParseError: Error, Equatable {
        case missing(String)
        case unknownStatus(String)
        case invalid(WebhookFields.Refusal)
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
            guard let phone = WebhookFields.e164(from) else {
                throw .invalid(WebhookFields.Refusal(field: "From", reason: "must be a number in E.164 form (+ and 8–15 digits)"))
            }
            let id = try? WebhookFields.messageId(sid, field: "MessageSid")
            var group = [NewEvent(.inboundMessageReceived(
                InboundMessageReceived(provider: "twilio", from: phone, at: receivedAt, messageId: id)), actor: twilioActor)]
            out.statusWords.append("inbound")
            if let keyword = fields["Body"].flatMap(OptOutKeywords.match) {
                group.append(NewEvent(.optedOut(OptedOut(clientId: nil, phone: phone, channel: .sms, source: "keyword:\(keyword)")),
                                      actor: twilioActor))
                out.statusWords.append("opted_out")
            }
            out.groups.append(group)
            return out
        }
        guard let sid, !sid.isEmpty else { throw .missing("MessageSid") }
        guard let statusWord else { throw .missing("MessageStatus") }
        guard let status = twilioStatus(statusWord) else { throw .unknownStatus(String(statusWord.prefix(40))) }
        let id: String, errorCode: String?
        do throws(WebhookFields.Refusal) {
            id = try WebhookFields.messageId(sid, field: "MessageSid")
            errorCode = try WebhookFields.errorCode(fields["ErrorCode"], field: "ErrorCode")
        } catch {
            throw .invalid(error)
        }
        let recipient = WebhookFields.e164(fields["To"])
        var group = [NewEvent(.deliveryStatusReceived(
            DeliveryStatusReceived(provider: "twilio", messageId: id, status: status, errorCode: errorCode,
                                   providerTime: nil, recipient: recipient, messageKey: messageKey(rawKey))), actor: twilioActor)]
        out.statusWords.append(status.rawValue)
        // 21610: the recipient replied STOP to this sender; Twilio blocks further messages.
        if errorCode == "21610", let recipient {
            group.append(NewEvent(.optedOut(OptedOut(clientId: nil, phone: recipient, channel: .sms, source: "twilio:21610")),
                                  actor: twilioActor))
            out.statusWords.append("opted_out")
        }
        out.groups.append(group)
        return out
    }
}
