import AvisoLedger
import GRDB

/// `templates` and `template_versions`: each stage and channel's current text and its history.
struct TemplatesApplier: ProjectionApplier {
    func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        guard case let .success(.templateChanged(e)) = decoded else { return }
        let at = Timestamps.utc(record.time)
        let previous = try Int.fetchOne(db, sql: "SELECT version FROM templates WHERE stage = ? AND channel = ?",
                                        arguments: [e.stage, e.channel.rawValue]) ?? 0
        let current = TemplateRecord(stage: e.stage, channel: e.channel.rawValue, body: e.body, whatsappName: e.whatsappName,
                                     whatsappLanguage: e.whatsappLanguage, whatsappParameters: e.whatsappParameters,
                                     version: previous + 1, updatedAt: at, updatedBy: record.actor, origin: e.origin)
        try current.save(db)
        try TemplateVersionRecord(position: Int64(record.position), stage: e.stage, channel: e.channel.rawValue,
                                  version: previous + 1, body: e.body, whatsappName: e.whatsappName,
                                  whatsappLanguage: e.whatsappLanguage, whatsappParameters: e.whatsappParameters,
                                  changedAt: at, changedBy: record.actor, origin: e.origin).insert(db)
    }
}
