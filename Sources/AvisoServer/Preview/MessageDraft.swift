import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import GRDB

/// Why a message can't be drafted for a client.
public enum MessageDraftError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownStage(String)
    case unknownClient(String)
    case templateMissing(stage: String, channel: Channel)
    case nothingToRemind(String)
    case render(TemplateError)

    public var description: String {
        switch self {
        case let .unknownStage(s): "`\(s)` is not a stage (D-15, D-2, D-1, D0, D+1, D+3, WEEKLY_n, REACTIVATE_PENDING, REACTIVATE_OVERDUE, TEST)"
        case let .unknownClient(id): "no client `\(id)`"
        case let .templateMissing(stage, channel): "no \(channel.rawValue) template for stage \(stage)"
        case let .nothingToRemind(id): "client `\(id)` has no unpaid installment to remind"
        case let .render(error): error.description
        }
    }
}

/// A message ready to render for one client at one stage: the template from the read models,
/// the values from the client and their installments, and the number to send to.
/// Free of HTTP types: the preview route uses it, and so can the real send path.
public struct MessageDraft: Sendable {
    public var client: ClientRecord
    /// The scheduler's stage name as asked (`D-2`, `WEEKLY_3`…).
    public var stageName: String
    public var stage: TemplateStage
    public var channel: Channel
    public var template: MessageTemplate
    public var templateVersion: Int
    public var context: TemplateContext
    /// The installment the message is about, if any.
    public var installmentId: String?
    public var phone: Result<PhoneNumber, PhoneNumberError>

    public func render() throws(MessageDraftError) -> RenderedMessage {
        do {
            return try TemplateRenderer.render(template, context: context)
        } catch {
            throw .render(error)
        }
    }
}

public enum MessageDraftBuilder {
    /// Builds the draft of `stageName` for `clientId` on `channel` (nil: the client's
    /// preferred channel, WhatsApp for `both`), as of `now` in the settings' time zone, with the
    /// scheduler's own context builder (`ReminderPreview`): the text is the text that goes out.
    /// `single`: the stage's own template about one installment (the template editor's preview),
    /// even on a day the scheduler would combine several installments into `VARIAS_CUOTAS`.
    public static func build(_ db: Database, clientId: String, stageName: String, channel: Channel?,
                             now: Date = Date(), single: Bool = false) throws -> MessageDraft {
        guard TemplateStage.resolve(schedulerStage: stageName) != nil else {
            throw MessageDraftError.unknownStage(stageName)
        }
        guard let client = try ClientRecord.fetchOne(db, key: clientId), let info = try ClientInfo.fetch(db, id: clientId) else {
            throw MessageDraftError.unknownClient(clientId)
        }
        let channel = channel ?? (client.preferredChannel == "sms" ? .sms : .whatsapp)
        let draft = try ReminderPreview.draft(db, client: info, stageName: stageName, now: now, single: single)
        if stageName != TemplateStage.test.rawValue, draft.message.context.amountMinor == nil, draft.message.context.totals == nil {
            throw MessageDraftError.nothingToRemind(clientId)
        }
        guard let (stage, _) = TemplateStage.resolve(schedulerStage: draft.message.templateStage) else {
            throw MessageDraftError.unknownStage(draft.message.templateStage)
        }
        guard let (template, templateVersion) = try TemplateLookup.template(db, stage: stage, channel: channel) else {
            throw MessageDraftError.templateMissing(stage: stage.rawValue, channel: channel)
        }
        let phone: Result<PhoneNumber, PhoneNumberError>
        do {
            phone = .success(try PhoneNumberParser.parse(client.phone, defaultRegion: client.phoneCountryCode ?? "GT"))
        } catch {
            phone = .failure(error)
        }
        return MessageDraft(client: client, stageName: stageName, stage: stage, channel: channel, template: template,
                            templateVersion: templateVersion, context: draft.message.context, installmentId: draft.installmentId,
                            phone: phone)
    }
}

/// What `GET /api/notifications/preview` answers.
public struct MessagePreview: Codable, Sendable, Equatable {
    public struct WhatsAppTemplate: Codable, Sendable, Equatable {
        public var name: String
        public var language: String
        public var parameters: [String]
    }

    public var stage: String
    public var clientId: String
    public var text: String
    public var channel: Channel
    public var provider: String
    /// The E.164 number with all but its last 4 digits masked; nil when the number is invalid.
    public var to: String?
    /// Why the number can't receive messages, when it can't.
    public var toError: String?
    /// SMS alphabet, parts and characters: for an SMS only (a WhatsApp message has no parts).
    public var encoding: String?
    public var segments: Int?
    public var characters: Int?
    public var variables: [String: String]
    public var whatsappTemplate: WhatsAppTemplate?
    public var templateVersion: Int

    public init(draft: MessageDraft, rendered: RenderedMessage, provider: String) {
        stage = draft.stageName
        clientId = draft.client.id
        text = rendered.text
        channel = draft.channel
        self.provider = provider
        switch draft.phone {
        case let .success(number):
            to = Masking.phone(number.e164)
            toError = number.canReceiveMessages ? nil : "the number is a \(number.lineType.rawValue) line"
        case let .failure(error):
            to = nil
            toError = error.message
        }
        let sms = draft.channel == .sms ? rendered.sms : nil
        encoding = sms?.encoding.rawValue
        segments = sms?.segments
        characters = sms?.characters
        variables = rendered.variables
        whatsappTemplate = draft.template.whatsapp.map {
            WhatsAppTemplate(name: $0.name, language: $0.language, parameters: rendered.whatsappParameters ?? [])
        }
        templateVersion = draft.templateVersion
    }
}
