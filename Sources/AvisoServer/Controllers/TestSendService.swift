import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import Logging

/// The test send, for `POST /api/notifications/test` and the console's "Enviar prueba" alike
/// (neither handler calls the other): the stage checked, the caller's scope checked, the send
/// path, a quiet-hours warning, one log line.
struct TestSendService: Sendable {
    let store: AvisoStore
    let actions: any NotificationActions

    func send(_ input: TestSendRequest, caller: Caller, logger: Logger) async throws -> TestSendResult {
        if let stage = input.stage, TemplateStage.resolve(schedulerStage: stage) == nil {
            throw APIError.badRequest(MessageDraftError.unknownStage(stage).description, code: "unknown_stage")
        }
        let settings = try await store.readAsync { db in
            _ = try ClientScope.client(input.clientId, for: caller, db)
            return try MessagingSettings.current(db)
        }
        var result = try await NotificationsController.mapActionErrors { try await actions.sendTest(input, actor: caller.actor) }
        if settings.quietHours.isQuiet(at: Date(), in: settings.zone), !result.warnings.contains(where: { $0.hasPrefix("quiet_hours") }) {
            result.warnings.append("quiet_hours: it is \(settings.quietHoursStart)–\(settings.quietHoursEnd) quiet time in \(settings.timeZone); the test was not held back")
        }
        logger.info("test message", metadata: ["client": "\(input.clientId)", "status": "\(result.status)", "dry_run": "\(result.dryRun)"])
        return result
    }
}
