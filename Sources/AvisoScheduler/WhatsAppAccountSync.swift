import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Brings Meta's template catalogue and the phone number's health into the ledger: fetches
/// both, then appends, under the ledger's writer, an event only for what changed since the
/// read models last heard (so running it every day, or twice at once, adds nothing new).
public struct WhatsAppAccountSync: Sendable {
    public struct Summary: Sendable, Equatable {
        public var templatesFetched = 0
        /// Template events appended (new, changed or now missing).
        public var templatesChanged = 0
        public var healthChanged = false
        /// What could not be read, in one line each (never a token).
        public var errors: [String] = []

        public var text: String {
            var line = "whatsapp sync: \(templatesFetched) templates at Meta, \(templatesChanged) changed, health \(healthChanged ? "changed" : "unchanged")"
            for error in errors { line += "\n  error: \(error)" }
            return line
        }
    }

    public static let actor = "whatsapp-sync"
    let store: AvisoStore
    let client: WhatsAppAccountClient

    public init(store: AvisoStore, client: WhatsAppAccountClient) {
        self.store = store
        self.client = client
    }

    /// A sync for the configured WhatsApp account, or nil when WhatsApp is not configured.
    public init?(store: AvisoStore, configuration: ProviderConfiguration, transport: any HTTPTransport = URLSessionTransport()) {
        guard let whatsapp = configuration.whatsapp else { return nil }
        self.init(store: store, client: WhatsAppAccountClient(configuration: whatsapp, transport: transport))
    }

    public func run(now: Date = Date()) async throws -> Summary {
        var summary = Summary()
        do {
            let fetched = try await client.templates()
            summary.templatesFetched = fetched.count
            let positions = try await store.appendDeciding { db in try Self.templateChanges(db, fetched: fetched, at: now) }
            summary.templatesChanged = positions.count
        } catch let error as WhatsAppAccountError {
            summary.errors.append(error.description)
        }
        do {
            let health = try await client.phoneHealth()
            let positions = try await store.appendDeciding { db in try Self.healthChange(db, health: health, at: now) }
            summary.healthChanged = !positions.isEmpty
        } catch let error as WhatsAppAccountError {
            summary.errors.append(error.description)
        }
        return summary
    }

    /// One event per template that is new or differs from the read model, and one `MISSING`
    /// per template known before that Meta no longer lists. The first sync records every template,
    /// so the catalogue counts as synced from then on.
    static func templateChanges(_ db: Database, fetched: [MetaTemplate], at: Date) throws -> [NewEvent] {
        let known = try WhatsAppAccountReadModel.templates(db)
        let firstSync = try WhatsAppAccountReadModel.account(db)?.catalogueSyncedAt == nil
        var byKey: [String: WhatsAppTemplateRecord] = [:]
        for row in known { byKey["\(row.name)|\(row.language)"] = row }
        var events: [NewEvent] = []
        var listed: Set<String> = []
        for template in fetched {
            let key = "\(template.name)|\(template.language)"
            guard listed.insert(key).inserted else { continue }
            let old = byKey[key]
            let same = old.map {
                $0.status == template.status && $0.category == template.category && $0.body == template.body
                    && $0.placeholders == template.placeholders
            } ?? false
            guard firstSync || !same else { continue }
            events.append(NewEvent(.whatsappTemplateSynced(WhatsAppTemplateSynced(
                name: template.name, language: template.language, status: template.status, category: template.category,
                body: template.body, placeholders: template.placeholders, metaId: template.id, reason: nil,
                source: WhatsAppTemplateSynced.syncSource, at: at)), actor: actor))
        }
        for row in known where !listed.contains("\(row.name)|\(row.language)") && row.status != MetaTemplateState.missing {
            events.append(NewEvent(.whatsappTemplateSynced(WhatsAppTemplateSynced(
                name: row.name, language: row.language, status: MetaTemplateState.missing, category: nil, body: nil,
                placeholders: nil, metaId: nil, reason: "no longer in Meta's catalogue", source: WhatsAppTemplateSynced.syncSource,
                at: at)), actor: actor))
        }
        return events
    }

    static func healthChange(_ db: Database, health: PhoneNumberHealth, at: Date) throws -> [NewEvent] {
        let current = try WhatsAppAccountReadModel.account(db)
        guard current?.qualityRating != health.qualityRating || current?.messagingLimitTier != health.messagingLimitTier
                || current?.healthUpdatedAt == nil else { return [] }
        return [NewEvent(.whatsappAccountHealthChanged(WhatsAppAccountHealthChanged(
            qualityRating: health.qualityRating, messagingLimitTier: health.messagingLimitTier, event: nil,
            source: WhatsAppTemplateSynced.syncSource, at: at)), actor: actor)]
    }
}
