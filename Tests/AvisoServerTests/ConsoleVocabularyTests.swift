import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Words a person reads: stages and the reasons a message was not sent, in Spanish.
@Suite struct ConsoleVocabularyTests {
    @Test func stagesAndReasonsReadAsSpanish() async throws {
        let env = try await TestEnvironment.make()
        defer { env.cleanUp() }
        let now = Date()
        try await env.seed([
            .ignoredInvalidPhone(IgnoredInvalidPhone(clientId: "C001", installmentId: "I001-03", stage: "D-2", reason: "fixed_line",
                                                     rawMasked: "***6789", at: now)),
            .messageSkipped(MessageSkipped(clientId: "C002", installmentId: nil, stage: "WEEKLY_3", channel: .sms, reason: .within24h, at: now)),
            .ignoredInvalidPhone(IgnoredInvalidPhone(clientId: "C003", installmentId: nil, stage: "D+1", reason: "too_short",
                                                     rawMasked: "***", at: now)),
        ])
        try await env.test { client in
            let admin = try await client.consoleLogin("admin")
            let page = try await client.console("/mensajes", session: admin)
            #expect(page.status == .ok)
            for phrase in ["Teléfono fijo: no recibe SMS ni WhatsApp", "Semana 3 de atraso", "2 días antes del vencimiento",
                           "1 día después del vencimiento", "Al número le faltan dígitos."] {
                #expect(page.body.contains(phrase), "missing «\(phrase)»")
            }
            for code in [">fixed_line", ">WEEKLY_3<", ">D-2<", ">too_short"] {
                #expect(!page.body.contains(code), "\(code) shown as a code")
            }
            let ignoredId = try env.store.read {
                try Int64.fetchOne($0, sql: "SELECT id FROM notifications_log WHERE client_id = 'C001' AND status = 'ignored_invalid_phone'")
            }!
            let detail = try await client.console("/mensajes/\(ignoredId)", session: admin)
            #expect(detail.body.contains("Teléfono fijo: no recibe SMS ni WhatsApp. (***6789)"))
            #expect(detail.body.contains("2 días antes del vencimiento"))
        }
    }

    @Test func everyReasonAndStageHasWords() {
        for reason in SkipReason.allCases {
            #expect(MessageVocabulary.skipReason(reason.rawValue) != reason.rawValue, "\(reason)")
        }
        for reason in ["expired", "no_longer_due", "fixed_line", "not_mobile", "unknown_client"] + MessageVocabulary.phoneErrors.map(\.reason) {
            #expect(MessageVocabulary.skipReason(reason) != reason, "\(reason)")
        }
        #expect(MessageVocabulary.stage("D-15") == "15 días antes del vencimiento")
        #expect(MessageVocabulary.stage("D0") == "Día del vencimiento")
        #expect(MessageVocabulary.stage("WEEKLY_12") == "Semana 12 de atraso")
        #expect(MessageVocabulary.stage("REACTIVATE_OVERDUE") == "Resumen semanal con cuotas vencidas")
    }
}
