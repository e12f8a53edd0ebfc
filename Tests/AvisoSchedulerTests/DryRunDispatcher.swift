import AvisoLedger
import AvisoMessaging
import AvisoProjections
@testable import AvisoScheduler
import Foundation
import GRDB

/// A test double of the send path: records exactly what a real send records, with provider `dry-run`,
/// and contacts nobody. The text is a plain description, NOT the rendered template
/// (rendering belongs to the messaging send path, which may replace this type's insides).
public struct DryRunDispatcher: MessageDispatching {
    public let store: AvisoStore
    public let actor: String

    public init(store: AvisoStore, actor: String = "scheduler") {
        self.store = store
        self.actor = actor
    }

    public func dispatch(_ message: DueMessage, dryRun: Bool) async -> DispatchResult {
        do {
            let client = try store.read { db in
                try Row.fetchOne(db, sql: "SELECT phone, phone_country_code FROM clients WHERE id = ?", arguments: [message.clientId])
            }
            let raw: String = client?["phone"] ?? ""
            let region: String = client?["phone_country_code"] ?? "GT"
            let number: PhoneNumber
            do {
                number = try PhoneNumberParser.parse(raw, defaultRegion: region)
            } catch {
                try await ignore(message, reason: error.reason, raw: raw)
                return .ignored(reason: error.reason)
            }
            guard number.canReceiveMessages else {
                try await ignore(message, reason: "fixed_line", raw: raw)
                return .ignored(reason: "fixed_line")
            }
            let text = "[dry-run: template not rendered] \(message.stage) reminder"
                + (message.installmentId.map { " for installment \($0)" } ?? " for client \(message.clientId)")
            try await store.append(.messageRendered(MessageRendered(
                messageKey: message.messageKey, clientId: message.clientId, installmentId: message.installmentId,
                stage: message.stage, channel: message.channel, text: text)), actor: actor)
            try await store.append(.messageSent(MessageSent(
                messageKey: message.messageKey, clientId: message.clientId, installmentId: message.installmentId,
                stage: message.stage, channel: message.channel, provider: "dry-run", to: number.e164,
                messageId: "dry-run-\(UUID().uuidString.lowercased())", status: .accepted, dryRun: true, at: message.at)),
                actor: actor)
            return .sent
        } catch {
            return .failed
        }
    }

    private func ignore(_ message: DueMessage, reason: String, raw: String) async throws {
        try await store.append(.ignoredInvalidPhone(IgnoredInvalidPhone(
            clientId: message.clientId, installmentId: message.installmentId, stage: message.stage,
            reason: reason, rawMasked: Masking.phone(raw), at: message.at)), actor: actor)
    }
}
