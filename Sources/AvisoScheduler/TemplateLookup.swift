import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Templates and WhatsApp windows as the send path needs them, read from the read models.
public enum TemplateLookup {
    /// The current template of `stage` × `channel` and its version, nil when none is saved.
    public static func template(_ db: Database, stage: TemplateStage, channel: Channel) throws -> (template: MessageTemplate, version: Int)? {
        guard let row = try TemplateRecord.filter(Column("stage") == stage.rawValue && Column("channel") == channel.rawValue).fetchOne(db) else {
            return nil
        }
        let whatsapp = row.whatsappName.map {
            WhatsAppTemplateRef(name: $0, language: row.whatsappLanguage ?? "es", parameters: row.whatsappParameters ?? [])
        }
        return (MessageTemplate(stage: stage, channel: channel, body: row.body, whatsapp: whatsapp), row.version)
    }

    /// Both channels' templates of `stage`.
    public static func templates(_ db: Database, stage: TemplateStage) throws -> [Channel: MessageTemplate] {
        var out: [Channel: MessageTemplate] = [:]
        for channel in Channel.allCases {
            if let found = try template(db, stage: stage, channel: channel) { out[channel] = found.template }
        }
        return out
    }

    /// Whether `e164` wrote to us on WhatsApp in the 24 hours before `now`: then free text may be sent.
    public static func whatsappWindowOpen(_ db: Database, e164: String, now: Date) throws -> Bool {
        guard let last = try String.fetchOne(db, sql: "SELECT last_inbound_at FROM conversation_windows WHERE phone = ? AND provider = 'whatsapp'",
                                             arguments: [e164]),
              let when = Timestamps.parseUTC(last) else { return false }
        return now.timeIntervalSince(when) < 24 * 3600 && when <= now.addingTimeInterval(300)
    }
}
