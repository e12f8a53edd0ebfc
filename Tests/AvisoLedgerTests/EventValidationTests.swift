@testable import AvisoLedger
import Foundation
import Testing

/// The ledger never holds what its own code cannot read: hostile values are refused at
/// append, with the event type and field named, and nothing of their batch is appended.
@Suite struct EventValidationTests {
    /// What WhatsApp's `timestamp` became for "nan", "-inf", "1e300", "-70000000000" and
    /// friends, plus the first instant past the range.
    static let hostileSeconds: [Double] = [
        -210_866_760_000,  // -4712-01-01T12:00:00Z, which the old webhook appended
        1e300, -1e300, -70_000_000_000, .nan, .infinity, -.infinity, -1, 7_258_118_400, 1e15,
    ]

    private func status(at seconds: Double) -> LedgerEvent {
        .deliveryStatusReceived(DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.HOSTILE", status: .delivered,
                                                       providerTime: Date(timeIntervalSince1970: seconds)))
    }

    /// Appends `events` and returns the refusal; records an issue if they were accepted.
    private func refusal(_ ledger: Ledger, _ events: [NewEvent]) async -> InvalidEventError? {
        do {
            try await ledger.append(events)
            Issue.record("the ledger accepted \(events.map(\.event.typeName))")
            return nil
        } catch let error as InvalidEventError {
            return error
        } catch {
            Issue.record("refused with an untyped error: \(error)")
            return nil
        }
    }

    @Test(arguments: EventValidationTests.hostileSeconds)
    func aStatusTimeOutsideTheReadableRangeIsRefusedAndTheLedgerStaysReadable(seconds: Double) async throws {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        defer { ledger.close() }
        try await ledger.append(sampleClient(1), actor: "import")
        // A good event in the same batch: nothing of the batch is appended.
        let error = await refusal(ledger, [NewEvent(sampleClient(2), actor: "import"), NewEvent(status(at: seconds), actor: "webhook:whatsapp")])
        #expect(error?.type == "DeliveryStatusReceived")
        #expect(error?.field == "providerTime")
        #expect(error?.description.contains("between 1970 and 2200") == true, "\(String(describing: error))")
        #expect(try ledger.head().position == 1)
        for record in try ledger.records(after: 0, limit: 10) { _ = try record.decodeEvent() }
        try ledger.verifyChain()
    }

    @Test func theEdgesOfTheRangeAreAcceptedAndReadBack() async throws {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        defer { ledger.close() }
        let first = status(at: 0), last = status(at: 7_258_118_399)
        try await ledger.append([NewEvent(first, actor: "webhook:whatsapp"), NewEvent(last, actor: "webhook:whatsapp")])
        #expect(try ledger.records(after: 0, limit: 10).map { try $0.decodeEvent() } == [first, last])
    }

    @Test(arguments: [
        (LedgerEvent.settingsChanged(SettingsChanged(whatsappMessagesPerSecond: .nan)), "SettingsChanged", "whatsappMessagesPerSecond"),
        (.settingsChanged(SettingsChanged(whatsappMessagesPerSecond: -.infinity)), "SettingsChanged", "whatsappMessagesPerSecond"),
        (.messageSent(MessageSent(messageKey: "k", clientId: "C1", installmentId: nil, stage: "D-2", channel: .sms, provider: "twilio",
                                  to: "+50255551234", messageId: "SM1", status: .queued, dryRun: false,
                                  at: Date(timeIntervalSince1970: 10_413_792_000))), "MessageSent", "at"),
        (.messageDeferred(MessageDeferred(messageKey: "k", clientId: "C1", installmentId: nil, stage: "D-2", channel: .sms,
                                          localDate: "2026-12-01", sendDate: "2026-12-01", notBefore: Date(timeIntervalSince1970: -1e12),
                                          at: Date(timeIntervalSince1970: 1_790_000_000), runId: "r")), "MessageDeferred", "notBefore"),
        (.templateChanged(TemplateChanged(stage: "D-2", channel: .sms, body: String(repeating: "ñ", count: 20_000))), "TemplateChanged", "body"),
        (.templateChanged(TemplateChanged(stage: "D-2", channel: .whatsapp, body: "hola",
                                          whatsappParameters: Array(repeating: "nombre", count: 1_001))), "TemplateChanged", "whatsappParameters"),
        (.clientUpserted(ClientUpserted(id: String(repeating: "C", count: 40_000), name: "Ana", phone: "5555", phoneCountryCode: nil,
                                        advisor: nil, preferredChannel: .sms)), "ClientUpserted", "id"),
    ] as [(LedgerEvent, String, String)])
    func hostileFieldsAreRefusedNamingTypeAndField(event: LedgerEvent, type: String, field: String) async throws {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        defer { ledger.close() }
        let error = await refusal(ledger, [NewEvent(event, actor: "tester")])
        #expect(error?.type == type)
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(try ledger.head().position == 0)
    }

    @Test(arguments: ["", String(repeating: "a", count: 257)])
    func anActorOutsideItsBoundsIsRefused(actor: String) async throws {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        defer { ledger.close() }
        let error = await refusal(ledger, [NewEvent(sampleClient(1), actor: actor)])
        #expect(error?.field == "actor")
        #expect(try ledger.head().position == 0)
    }

    @Test func aDecidingAppendIsCheckedToo() async throws {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        defer { ledger.close() }
        let bad = status(at: 1e300)
        await #expect(throws: InvalidEventError.self) {
            try await ledger.appendDeciding { _ in [NewEvent(sampleClient(1), actor: "import"), NewEvent(bad, actor: "webhook:whatsapp")] }
        }
        #expect(try ledger.head().position == 0)
        // The writer goes on after a refusal.
        try await ledger.append(sampleClient(2), actor: "import")
        #expect(try ledger.head().position == 1)
    }
}
