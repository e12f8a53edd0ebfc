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
    case render(TemplateError)

    public var description: String {
        switch self {
        case let .unknownStage(s): "`\(s)` is not a stage (D-15, D-2, D-1, D0, D+1, D+3, WEEKLY_n, REACTIVATE_PENDING, REACTIVATE_OVERDUE, TEST)"
        case let .unknownClient(id): "no client `\(id)`"
        case let .templateMissing(stage, channel): "no \(channel.rawValue) template for stage \(stage)"
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
    /// preferred channel, WhatsApp for `both`), as of `now` in the settings' time zone.
    public static func build(_ db: Database, clientId: String, stageName: String, channel: Channel?,
                             now: Date = Date()) throws -> MessageDraft {
        guard let (stage, week) = TemplateStage.resolve(schedulerStage: stageName) else {
            throw MessageDraftError.unknownStage(stageName)
        }
        guard let client = try ClientRecord.fetchOne(db, key: clientId) else { throw MessageDraftError.unknownClient(clientId) }
        let channel = channel ?? (client.preferredChannel == "sms" ? .sms : .whatsapp)
        guard let (template, templateVersion) = try TemplateLookup.template(db, stage: stage, channel: channel) else {
            throw MessageDraftError.templateMissing(stage: stage.rawValue, channel: channel)
        }

        let settings = try MessagingSettings.current(db)
        let zone = settings.zone
        let today = CalendarDate(iso: Timestamps.localDate(now, in: zone))!
        let unpaid = try InstallmentRecord.filter(Column("client_id") == clientId && Column("status") != "paid")
            .order(Column("due_date"), Column("number")).fetchAll(db)
        let overdue = unpaid.filter { ($0.dueDate < today.description) }
        let upcoming = unpaid.filter { $0.dueDate >= today.description }

        var context = TemplateContext(name: client.name, advisorName: client.advisor, paymentLink: client.paymentLink)
        var subject: InstallmentRecord?
        switch stage {
        case .dMinus15, .dMinus2, .dMinus1, .d0, .reactivatePending, .test:
            subject = upcoming.first ?? unpaid.first
        case .dPlus1, .dPlus3, .weekly:
            subject = overdue.first ?? unpaid.first
        case .reactivateOverdue:
            subject = overdue.first ?? unpaid.first
        }
        if let subject {
            context.amountMinor = subject.amountMinor
            context.currency = subject.currency
            context.dueDate = CalendarDate(iso: subject.dueDate)
            context.installmentNumber = subject.number
            context.loanId = subject.loanId
        }
        // Days: what the stage says (D-2 is two days before), else counted from today.
        let stageDays: Int? = switch stage {
        case .dMinus15: 15
        case .dMinus2: 2
        case .dMinus1: 1
        case .dPlus1: 1
        case .dPlus3: 3
        default: nil
        }
        if let stageDays {
            context.days = stageDays
        } else if let due = context.dueDate {
            let gap = abs(Self.localDay(today) - Self.localDay(due))
            context.days = gap >= 1 ? gap : nil
        }
        context.week = week
        if stage == .reactivateOverdue, !overdue.isEmpty {
            context.overdueInstallments = overdue.count
            context.amountMinor = overdue.filter { $0.currency == overdue[0].currency }.reduce(0) { $0 + $1.amountMinor }
            context.currency = overdue[0].currency
        }

        let phone: Result<PhoneNumber, PhoneNumberError>
        do {
            phone = .success(try PhoneNumberParser.parse(client.phone, defaultRegion: client.phoneCountryCode ?? "GT"))
        } catch {
            phone = .failure(error)
        }
        return MessageDraft(client: client, stageName: stageName, stage: stage, channel: channel, template: template,
                            templateVersion: templateVersion, context: context, installmentId: subject?.id, phone: phone)
    }

    /// A template's calendar date as the scheduler's day number (dates come validated).
    static func localDay(_ d: CalendarDate) -> LocalDay {
        LocalDay(year: d.year, month: d.month, day: d.day)!
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
    public var encoding: String
    public var segments: Int
    public var characters: Int
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
        encoding = rendered.sms.encoding.rawValue
        segments = rendered.sms.segments
        characters = rendered.sms.characters
        variables = rendered.variables
        whatsappTemplate = draft.template.whatsapp.map {
            WhatsAppTemplate(name: $0.name, language: $0.language, parameters: rendered.whatsappParameters ?? [])
        }
        templateVersion = draft.templateVersion
    }
}
