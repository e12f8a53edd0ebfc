import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation

/// One message's story from the ledger: rendered → sent → delivered/read, or failed with
/// the provider's code explained; for a held-back message, why.
struct MessageTimeline: Sendable {
    struct Entry: Sendable {
        var when: String
        var title: String
        var detail: String?
        /// `ok`, `malo` or `neutro`, for colour.
        var kind: String
    }

    var entries: [Entry]

    /// Reads the ledger for `row`. Skipped and ignored rows name their record's position in
    /// their key (`skipped:<position>`); messages are tied by `messageKey` and the provider's id,
    /// found through `ledger_index`.
    static func build(_ row: NotificationRecord, store: AvisoStore, zone: TimeZone) async throws -> MessageTimeline {
        let ledger = store.ledger
        var records: [LedgerRecord] = []
        for prefix in ["skipped:", "ignored:"] where row.messageKey.hasPrefix(prefix) {
            if let position = UInt64(row.messageKey.dropFirst(prefix.count)), position > 0 {
                records = try ledger.records(after: position - 1, limit: 1)
            }
        }
        if records.isEmpty {
            let (key, messageId) = (row.messageKey, row.messageId)
            let candidates = try await store.readAsync { try LedgerIndex.message(key: key, messageId: messageId, ledger: ledger, $0) }
            for record in candidates {
                switch try record.decodeEvent() {
                case let .messageRendered(e) where e.messageKey == row.messageKey: records.append(record)
                case let .messageScheduled(e) where e.messageKey == row.messageKey: records.append(record)
                case let .messageDeferred(e) where e.messageKey == row.messageKey: records.append(record)
                case let .scheduledMessageCancelled(e) where e.messageKey == row.messageKey: records.append(record)
                case let .sendOutcomeUnknown(e) where e.messageKey == row.messageKey: records.append(record)
                case let .messageSent(e) where e.messageKey == row.messageKey: records.append(record)
                case let .sendFailed(e) where e.messageKey == row.messageKey: records.append(record)
                case let .deliveryStatusReceived(e) where row.messageId != nil && e.messageId == row.messageId
                    && e.provider == row.provider: records.append(record)
                default: break
                }
            }
        }
        return MessageTimeline(entries: try records.compactMap { try entry($0, zone: zone) })
    }

    static func entry(_ record: LedgerRecord, zone: TimeZone) throws -> Entry? {
        func at(_ date: Date) -> String { ConsoleFormatting.dateTime(date, in: zone) }
        switch try record.decodeEvent() {
        case let .messageRendered(e):
            return Entry(when: at(record.time), title: "Texto generado",
                         detail: e.templateVersion.map { "Plantilla versión \($0)" }, kind: "neutro")
        case let .messageScheduled(e):
            return Entry(when: at(e.at), title: "Programado para el \(e.sendDate)", detail: nil, kind: "neutro")
        case let .messageDeferred(e):
            return Entry(when: at(e.at), title: "Aplazado hasta \(at(e.notBefore))", detail: "Horario de silencio o límite de envío.", kind: "neutro")
        case let .scheduledMessageCancelled(e):
            return Entry(when: at(e.at), title: "Cancelado", detail: MessageVocabulary.skipReason(e.reason), kind: "malo")
        case let .sendOutcomeUnknown(e):
            return Entry(when: at(e.at), title: "Resultado desconocido",
                         detail: "El envío se interrumpió; no se reintenta para no duplicar el mensaje.", kind: "neutro")
        case let .messageSent(e):
            var detail = "Por \(MessageVocabulary.provider(e.provider)) a \(Masking.phone(e.to))"
            if e.dryRun { detail += " · simulación" }
            if e.test { detail += " · prueba" }
            let title = e.status == .sent ? "Enviado" : "Enviado (\(MessageVocabulary.status(e.status.rawValue).lowercased()))"
            return Entry(when: at(e.at), title: title, detail: detail, kind: "ok")
        case let .sendFailed(e):
            let explained = MessageVocabulary.providerError(e.errorCode) ?? "sin código del proveedor"
            return Entry(when: at(e.at), title: "Falló el envío",
                         detail: "\(MessageVocabulary.provider(e.provider)), \(explained) · \(e.attempts) \(e.attempts == 1 ? "intento" : "intentos")",
                         kind: "malo")
        case let .deliveryStatusReceived(e):
            let failed = e.status.isFinal
            return Entry(when: at(e.providerTime ?? record.time), title: MessageVocabulary.status(e.status.rawValue),
                         detail: failed ? MessageVocabulary.providerError(e.errorCode) : "Confirmado por \(MessageVocabulary.provider(e.provider))",
                         kind: failed ? "malo" : "ok")
        case let .messageSkipped(e):
            return Entry(when: at(e.at), title: "Omitido", detail: MessageVocabulary.skipReason(e.reason.rawValue), kind: "neutro")
        case let .ignoredInvalidPhone(e):
            return Entry(when: at(e.at), title: "Ignorado: teléfono inválido",
                         detail: "\(MessageVocabulary.ignoreReason(e.reason)) (\(e.rawMasked))", kind: "malo")
        default:
            return nil
        }
    }
}
