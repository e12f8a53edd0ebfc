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
}
