import AvisoLedger
import Foundation
import GRDB

/// Read models of what Meta says about the WhatsApp account (migration "v4-whatsapp-account"):
/// - `whatsapp_templates`: the latest known state of each template (name × language);
/// - `whatsapp_account`: one row, the number's quality rating and limit tier, and when the
///   template catalogue was last synced (then a template absent from it is known not to exist);
/// - `whatsapp_pricing`: one row per billed-or-free WhatsApp message, from status webhooks.
enum WhatsAppAccountProjection {
    static func migrateV4(_ db: Database) throws {
        try db.create(table: "whatsapp_templates") { t in
            t.column("name", .text).notNull()
            t.column("language", .text).notNull()
            t.column("status", .text)
            t.column("category", .text)
            t.column("body", .text)
            t.column("placeholders", .text)  // JSON array of placeholder names, in order
            t.column("meta_id", .text)
            t.column("reason", .text)
            t.column("source", .text).notNull()
            t.column("updated_at", .text).notNull()
            t.primaryKey(["name", "language"])
        }
        try db.create(table: "whatsapp_account") { t in
            t.primaryKey("id", .integer)
            t.column("quality_rating", .text)
            t.column("messaging_limit_tier", .text)
            t.column("last_event", .text)
            t.column("health_updated_at", .text)
            t.column("catalogue_synced_at", .text)
        }
        try db.create(table: "whatsapp_pricing") { t in
            t.primaryKey("message_id", .text)
            t.column("local_date", .text).notNull().indexed()
            t.column("category", .text)
            t.column("billable", .boolean)
            t.column("pricing_model", .text)
            t.column("pricing_type", .text)
        }
    }
}

extension EventApplier {
    /// Upserts a template's state; fields the event does not carry (a webhook has no body) keep
    /// their last known value.
    func applyWhatsAppTemplate(_ e: WhatsAppTemplateSynced, at: String, _ db: Database) throws {
        let placeholders = try e.placeholders.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.cachedStatement(sql: """
            INSERT INTO whatsapp_templates (name, language, status, category, body, placeholders, meta_id, reason, source, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(name, language) DO UPDATE SET
              status = coalesce(excluded.status, status), category = coalesce(excluded.category, category),
              body = coalesce(excluded.body, body), placeholders = coalesce(excluded.placeholders, placeholders),
              meta_id = coalesce(excluded.meta_id, meta_id), reason = excluded.reason,
              source = excluded.source, updated_at = excluded.updated_at
            """).execute(arguments: [e.name, e.language, e.status, e.category, e.body, placeholders, e.metaId, e.reason,
                                     e.source, Timestamps.utc(e.at)])
        if e.source == WhatsAppTemplateSynced.syncSource {
            try db.execute(sql: """
                INSERT INTO whatsapp_account (id, catalogue_synced_at) VALUES (1, ?)
                ON CONFLICT(id) DO UPDATE SET catalogue_synced_at = max(coalesce(catalogue_synced_at, ''), excluded.catalogue_synced_at)
                """, arguments: [Timestamps.utc(e.at)])
        }
    }

    func applyWhatsAppHealth(_ e: WhatsAppAccountHealthChanged, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO whatsapp_account (id, quality_rating, messaging_limit_tier, last_event, health_updated_at) VALUES (1, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET quality_rating = coalesce(excluded.quality_rating, quality_rating),
              messaging_limit_tier = coalesce(excluded.messaging_limit_tier, messaging_limit_tier),
              last_event = excluded.last_event, health_updated_at = excluded.health_updated_at
            """, arguments: [e.qualityRating, e.messagingLimitTier, e.event, Timestamps.utc(e.at)])
    }

    /// The first `pricing` seen for a message counts it (Meta repeats it on a later status).
    func applyWhatsAppPricing(_ e: DeliveryStatusReceived, localDate: String, _ db: Database) throws {
        guard e.provider == "whatsapp", e.pricingCategory != nil || e.pricingBillable != nil else { return }
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO whatsapp_pricing (message_id, local_date, category, billable, pricing_model, pricing_type)
            VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [e.messageId, localDate, e.pricingCategory, e.pricingBillable, e.pricingModel, e.pricingType])
    }
}

extension WhatsAppTemplateSynced {
    /// The `source` of events appended by the catalogue sync.
    public static let syncSource = "sync"
}
