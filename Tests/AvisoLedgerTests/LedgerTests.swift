@testable import AvisoLedger
import Foundation
import Testing

@Suite struct LedgerAppendTests {
    @Test(arguments: LedgerBackendKind.allCases) func appendedEventsReadBackInOrderWithTheirActors(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        let sent = LedgerEvent.messageSent(MessageSent(messageKey: "k1", clientId: "C1", installmentId: "I1", stage: "D-2",
                                                       channel: .whatsapp, provider: "whatsapp", to: "+50255551234",
                                                       messageId: "wamid.X", status: .accepted, dryRun: false,
                                                       at: Date(timeIntervalSince1970: 1_790_000_000)))
        let positions = try await ledger.append([NewEvent(sampleClient(1), actor: "import"), NewEvent(sent, actor: "scheduler")])
        #expect(positions == [1, 2])
        let third = try await ledger.append(.installmentPaid(InstallmentPaid(installmentId: "I1", clientId: "C1", paidOn: "2026-11-26")), actor: "u-admin")
        #expect(third == 3)

        let records = try ledger.records(after: 0, limit: 10)
        #expect(records.map(\.position) == [1, 2, 3])
        #expect(records.map(\.actor) == ["import", "scheduler", "u-admin"])
        #expect(records.map(\.type) == ["ClientUpserted", "MessageSent", "InstallmentPaid"])
        #expect(try records[0].decodeEvent() == sampleClient(1))
        #expect(try records[1].decodeEvent() == sent)
        #expect(records.allSatisfy { $0.schemaVersion == 1 })
        #expect(try ledger.head() == LedgerHead(position: 3, hash: records[2].hash))
        #expect(try ledger.verifyChain().position == 3)
    }

    @Test(arguments: LedgerBackendKind.allCases) func concurrentAppendsAreGapFreeAndComplete(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var positions: [UInt64] = []
                    for i in 0..<50 { positions += try await ledger.append([NewEvent(sampleClient(task * 1000 + i), actor: "t\(task)")]) }
                    return positions
                }
            }
            var all: [UInt64] = []
            for try await p in group { all += p }
            #expect(all.sorted() == Array(1...400))
        }
        var ids = Set<String>()
        try ledger.forEachRecord(chunk: 64) { record in
            if case let .clientUpserted(c) = try record.decodeEvent() { ids.insert(c.id) }
        }
        #expect(ids.count == 400)
        try ledger.verifyChain()
    }

    @Test func theMapGrowsWhenFull() async throws {
        let ledger = try Ledger(directory: makeTemporaryDirectory(), initialMapSize: 128 * 1024)
        let before = ledger.mapSize
        for batch in 0..<20 {
            try await ledger.append((0..<100).map { NewEvent(sampleClient(batch * 100 + $0), actor: "import") })
        }
        #expect(ledger.mapSize > before)
        #expect(try ledger.head().position == 2000)
        try ledger.verifyChain()
    }

    @Test(arguments: LedgerBackendKind.allCases) func appendDecidingSeesTheHeadUnderTheWriteLock(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        try await ledger.append(sampleClient(1), actor: "import")
        let positions = try await ledger.appendDeciding { context in
            // Decide from what is committed: only append if client 2 is not there yet.
            let existing = try context.records(after: 0, limit: 100).compactMap { try? $0.decodeEvent().clientId }
            #expect(context.head.position == 1)
            return existing.contains("C2") ? [] : [NewEvent(sampleClient(2), actor: "scheduler")]
        }
        #expect(positions == [2])
    }

    @Test(arguments: LedgerBackendKind.allCases) func closedLedgerRefusesAppends(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        ledger.close()
        await #expect(throws: LedgerError.writerStopped) { try await ledger.append(sampleClient(1), actor: "x") }
    }
}

@Suite struct HashChainTests {
    private func ledgerWith(_ count: Int) async throws -> Ledger {
        let ledger = try Ledger(directory: makeTemporaryDirectory())
        try await ledger.append((1...count).map { NewEvent(sampleClient($0), actor: "import") })
        return ledger
    }

    @Test func oneAlteredByteIsFoundAtItsPosition() async throws {
        let ledger = try await ledgerWith(10)
        // Flip a byte in the payload of record 6 (e.g. a name letter).
        try ledger.overwriteRaw(position: 6) { value in value[value.count - 40] ^= 0x01 }
        #expect(throws: LedgerError.self) { try ledger.verifyChain() }
        do {
            try ledger.verifyChain()
        } catch let LedgerError.chainBroken(position, _) {
            #expect(position == 6)
        }
    }

    @Test func aReplacedRecordWithARecomputedHashBreaksTheNextLink() async throws {
        let ledger = try await ledgerWith(5)
        // Rewrite record 3's body and give it a hash that matches its own new content
        // but not the chain: record 4 no longer chains from it.
        try ledger.overwriteRaw(position: 3) { value in
            let body = Array(value.dropLast(32))
            var forged = RecordCodec.body(time: Date(), type: "ClientUpserted", schemaVersion: 1, actor: "import",
                                          payload: Data(#"{"id":"C3","name":"Otro","phone":"1","preferredChannel":"sms"}"#.utf8))
            let hash = RecordCodec.chainHash(previous: Data(repeating: 0, count: 32), position: 3, body: forged)
            forged.append(contentsOf: hash)
            _ = body
            value = forged
        }
        do {
            try ledger.verifyChain()
            Issue.record("verify should fail")
        } catch let LedgerError.chainBroken(position, _) {
            #expect(position == 3)
        }
    }

    @Test func aRemovedRecordIsFound() async throws {
        let ledger = try await ledgerWith(8)
        try ledger.deleteRaw(position: 4)
        do {
            try ledger.verifyChain()
            Issue.record("verify should fail")
        } catch let LedgerError.chainBroken(position, reason) {
            #expect(position == 4)
            #expect(reason.contains("missing"))
        }
    }

    @Test func aRemovedLastRecordIsFoundThroughTheHeadWitness() async throws {
        let ledger = try await ledgerWith(8)
        try ledger.deleteRaw(position: 8)
        do {
            try ledger.verifyChain()
            Issue.record("verify should fail")
        } catch let LedgerError.chainBroken(position, reason) {
            #expect(position == 8)
            #expect(reason.contains("removed"))
        }
    }
}

@Suite struct EventCatalogueTests {
    @Test(arguments: LedgerBackendKind.allCases) func unknownFutureTypesDecodeAsUnknownWithoutBreakingReaders(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        try await ledger.append(sampleClient(1), actor: "import")
        try ledger.appendRawFuture(type: "LoyaltyPointsGranted", version: 1, payload: #"{"points":5}"#)
        try ledger.appendRawFuture(type: "ClientUpserted", version: 9, payload: #"{"somethingNew":true}"#)
        try await ledger.append(sampleClient(2), actor: "import")
        let events = try ledger.records(after: 0, limit: 10).map { try $0.decodeEvent() }
        #expect(events == [sampleClient(1), .unknown(type: "LoyaltyPointsGranted", version: 1),
                           .unknown(type: "ClientUpserted", version: 9), sampleClient(2)])
        try ledger.verifyChain()
    }

    @Test func oldVersionsAreUpcastStepByStepOnRead() throws {
        // A hypothetical v1 → v2 → v3 history of OptedOut: v1 named the number `number`,
        // v2 renamed it `phone`, v3 added `source`.
        let table: [String: [Int: EventCatalogue.Upcaster]] = ["OptedOut": [
            1: { object in object["phone"] = object.removeValue(forKey: "number") },
            2: { object in object["source"] = object["source"] ?? "legacy" },
        ]]
        let v1 = Data(#"{"number":"+50255551234","clientId":"C1"}"#.utf8)
        let lifted = try EventCatalogue.upcast(type: "OptedOut", from: 1, to: 3, payload: v1, using: table)
        let event = try EventCatalogue.decoder.decode(OptedOut.self, from: lifted)
        #expect(event == OptedOut(clientId: "C1", phone: "+50255551234", channel: nil, source: "legacy"))
        #expect(throws: LedgerError.self) { try EventCatalogue.upcast(type: "OptedOut", from: 0, to: 3, payload: v1, using: table) }
    }

    @Test func everyCatalogueTypeRoundTrips() throws {
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        let events: [LedgerEvent] = [
            .stageDue(StageDue(clientId: "C1", installmentId: "I1", stage: "WEEKLY_2", localDate: "2026-11-26")),
            .messageRendered(MessageRendered(messageKey: "k", clientId: "C1", installmentId: nil, stage: "D0", channel: .sms, text: "Hola")),
            .sendFailed(SendFailed(messageKey: "k", clientId: "C1", installmentId: nil, stage: "D0", channel: .sms, provider: "twilio",
                                   to: "+50255551234", errorCode: "21211", retryable: false, attempts: 1, detail: "twilio 21211", at: at)),
            .deliveryStatusReceived(DeliveryStatusReceived(provider: "twilio", messageId: "SM1", status: .delivered, errorCode: nil, providerTime: at)),
            .ignoredInvalidPhone(IgnoredInvalidPhone(clientId: "C1", installmentId: nil, stage: "D0", reason: "too_short", rawMasked: "•••1234", at: at)),
            .messageSkipped(MessageSkipped(clientId: "C1", installmentId: "I1", stage: "D-1", channel: .whatsapp, reason: .dailyCap, at: at)),
            .templateChanged(TemplateChanged(stage: "D-2", channel: .whatsapp, body: "Hola {{nombre}}", whatsappName: "r", whatsappLanguage: "es", whatsappParameters: ["nombre"])),
            .credentialChanged(CredentialChanged(userId: "u1", passwordHash: "$2b$12$abc")),
            .settingsChanged(SettingsChanged(dailyCap: 3)),
            .userCreated(UserCreated(userId: "u1", login: "ana", role: .asesor, name: "Ana", linkedClientId: nil, passwordHash: "$2b$12$abc")),
            .installmentUpserted(InstallmentUpserted(id: "I1", clientId: "C1", loanId: "P1", number: 1, dueDate: "2026-12-01", amountMinor: 125_000, currency: "GTQ", status: .pendingConfirmation)),
            .optedOut(OptedOut(clientId: "C1", phone: "+50255551234", channel: .sms, source: "keyword:BAJA")),
        ]
        for event in events {
            let encoded = try EventCatalogue.encode(event)
            #expect(encoded.type == event.typeName)
            #expect(try EventCatalogue.decode(type: encoded.type, version: encoded.version, payload: encoded.payload) == event)
        }
    }

    @Test(arguments: LedgerBackendKind.allCases) func historyJSONRedactsPasswordHashes(_ backend: LedgerBackendKind) async throws {
        let ledger = try makeLedger(backend)
        try await ledger.append(.userCreated(UserCreated(userId: "u1", login: "ana", role: .admin, name: "Ana", linkedClientId: nil,
                                                         passwordHash: "$2b$12$SECRETHASHVALUE")), actor: "system")
        let record = try ledger.records(after: 0, limit: 1)[0]
        let json = LedgerHistory.json(record)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        #expect(!text.contains("SECRETHASHVALUE"))
        #expect(text.contains("[redacted]"))
    }

    @Test func phonesAreMaskedToTheirLastFourDigits() {
        #expect(Masking.phone("+502 5555-1234") == "***1234")
        #expect(Masking.phone("12") == "***")
        #expect(Masking.secret("EAAGm0PX4ZCpsBAKZAZD1234") == "…1234")
        #expect(Masking.secret("short") == "***")
    }
}
