import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// What the synced Meta catalogue says about a stage's WhatsApp template, for the send path
/// and the console.
public enum MetaTemplateLookup {
    /// Nil when the catalogue was never synced and no webhook spoke of the template: the send
    /// goes ahead as it always did. After a sync, a template absent from the catalogue is `MISSING`.
    public static func state(_ db: Database, for ref: WhatsAppTemplateRef?) throws -> MetaTemplateState? {
        guard let ref else { return nil }
        if let row = try WhatsAppAccountReadModel.template(db, name: ref.name, language: ref.language), let status = row.status {
            return MetaTemplateState(status: status, placeholders: row.placeholders, body: row.body)
        }
        guard try WhatsAppAccountReadModel.account(db)?.catalogueSyncedAt != nil else { return nil }
        return MetaTemplateState(status: MetaTemplateState.missing, placeholders: nil, body: nil)
    }

    /// Why the send path would not send the WhatsApp template of `templateStage` to `e164`
    /// now (nil when it would, or free text may go because the 24 h window is open): the dry
    /// run's plan says what the run will do.
    static func refusal(_ db: Database, templateStage: String, e164: String?, now: Date) throws -> (reason: SkipReason, detail: String)? {
        guard let (stage, _) = TemplateStage.resolve(schedulerStage: templateStage),
              let ref = try TemplateLookup.template(db, stage: stage, channel: .whatsapp)?.template.whatsapp else { return nil }
        if let e164, try TemplateLookup.whatsappWindowOpen(db, e164: e164, now: now) { return nil }
        return try state(db, for: ref)?.refusal(parameterCount: ref.parameters.count)
    }
}

extension Scheduler {
    /// A planned WhatsApp message whose template Meta would refuse: the run skips it on
    /// WhatsApp (and sends the SMS fallback where allowed), so the plan says so.
    static func noteMetaRefusal(_ message: inout PlannedMessage, _ db: Database, now: Date) throws {
        guard message.channel == .whatsapp else { return }
        let e164 = try ClientInfo.fetch(db, id: message.clientId).flatMap {
            try? PhoneNumberParser.parse($0.phone, defaultRegion: $0.countryCode ?? "GT").e164
        }
        guard let refused = try MetaTemplateLookup.refusal(db, templateStage: message.templateStage ?? message.stage, e164: e164, now: now)
        else { return }
        message.reason = refused.reason.rawValue
        message.detail = "WhatsApp: \(refused.detail); SMS instead where the client allows it"
    }
}
