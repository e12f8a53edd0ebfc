import Foundation
import GRDB

/// A row of `whatsapp_templates`: Meta's latest known word on one template.
public struct WhatsAppTemplateRecord: Sendable, Equatable {
    public var name: String
    public var language: String
    public var status: String?
    public var category: String?
    public var body: String?
    public var placeholders: [String]?
    public var metaId: String?
    public var reason: String?
    public var source: String
    public var updatedAt: String

    init(row: Row) {
        name = row["name"]
        language = row["language"]
        status = row["status"]
        category = row["category"]
        body = row["body"]
        placeholders = (row["placeholders"] as String?).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        metaId = row["meta_id"]
        reason = row["reason"]
        source = row["source"]
        updatedAt = row["updated_at"]
    }
}

/// The `whatsapp_account` row: the number's health and when the catalogue was last synced.
public struct WhatsAppAccountRecord: Sendable, Equatable {
    public var qualityRating: String?
    public var messagingLimitTier: String?
    public var lastEvent: String?
    public var healthUpdatedAt: String?
    public var catalogueSyncedAt: String?
}

/// Readers of the WhatsApp account read models (`WhatsAppAccountProjection` writes them).
public enum WhatsAppAccountReadModel {
    public static func templates(_ db: Database) throws -> [WhatsAppTemplateRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM whatsapp_templates ORDER BY name, language").map(WhatsAppTemplateRecord.init(row:))
    }

    public static func template(_ db: Database, name: String, language: String) throws -> WhatsAppTemplateRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM whatsapp_templates WHERE name = ? AND language = ?", arguments: [name, language])
            .map(WhatsAppTemplateRecord.init(row:))
    }

    public static func account(_ db: Database) throws -> WhatsAppAccountRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM whatsapp_account WHERE id = 1").map {
            WhatsAppAccountRecord(qualityRating: $0["quality_rating"], messagingLimitTier: $0["messaging_limit_tier"],
                                  lastEvent: $0["last_event"], healthUpdatedAt: $0["health_updated_at"],
                                  catalogueSyncedAt: $0["catalogue_synced_at"])
        }
    }

    /// WhatsApp messages per local day and pricing category since `fromDate` (`YYYY-MM-DD`),
    /// with how many of them Meta bills.
    public static func conversationsPerCategory(_ db: Database, fromDate: String) throws
        -> [(localDate: String, category: String, messages: Int, billable: Int)] {
        try Row.fetchAll(db, sql: """
            SELECT local_date, coalesce(category, '?') AS category, count(*) AS messages, sum(coalesce(billable, 0)) AS billable
            FROM whatsapp_pricing WHERE local_date >= ? GROUP BY local_date, category ORDER BY local_date, category
            """, arguments: [fromDate]).map { ($0["local_date"], $0["category"], $0["messages"], $0["billable"]) }
    }
}

extension WhatsAppAccountReadModel {
    /// Meta's template errors: a send refused with one of these means the catalogue Aviso
    /// holds is out of date, so the next sync should not wait for its day.
    public static let templateErrorCodes = ["132000", "132001", "132015", "132016"]

    /// Whether a WhatsApp send failed with a template error after `utc` (ISO 8601 UTC, as stored).
    public static func templateErrorSince(_ db: Database, utc: String) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM notifications_log WHERE channel = 'whatsapp' AND status = 'failed'
              AND error_code IN ('132000', '132001', '132015', '132016') AND updated_at > ?)
            """, arguments: [utc]) ?? false
    }

    /// Distinct clients with a WhatsApp message going out or gone in the 24 hours up to `utc`
    /// (decided, waiting or sent; not skipped, refused or failed): what Meta's messaging limit counts.
    public static func whatsappRecipients24h(_ db: Database, sinceUTC: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(DISTINCT client_id) FROM notifications_log WHERE channel = 'whatsapp' AND updated_at >= ?
              AND status NOT IN ('skipped', 'ignored_invalid_phone', 'canceled', 'failed', 'undelivered')
            """, arguments: [sinceUTC]) ?? 0
    }
}
