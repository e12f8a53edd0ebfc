import AvisoLedger
import AvisoProjections
@testable import AvisoScheduler
import Foundation
import GRDB
import Testing

/// Issue 9: a `both` client who sends BAJA on WhatsApp and then on SMS must get nothing on
/// either channel (the v1 `opt_outs` kept one row per number and the SMS went out).
@Suite struct OptOutPerChannelTests {
    @Test func optOutOnEachChannelStopsBoth() async throws {
        let f = try Fixture()
        try await f.client("C1", channel: .both, phone: "5555-0002")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        // As the webhooks record them: by number, no client id.
        try await f.store.append(.optedOut(OptedOut(clientId: nil, phone: "+50255550002", channel: .whatsapp, source: "keyword:BAJA")), actor: "webhook:whatsapp")
        try await f.store.append(.optedOut(OptedOut(clientId: nil, phone: "+50255550002", channel: .sms, source: "keyword:BAJA")), actor: "webhook:twilio")
        let rows = try f.store.read { try OptOutRecord.order(Column("channel")).fetchAll($0) }
        #expect(rows.map(\.channel) == ["sms", "whatsapp"])
        let summary = try await f.run(local("2026-11-26", "09:00"))
        #expect(summary.sent == 0)
        #expect(summary.skipped == ["opted_out": 2])
        #expect(try f.sent.isEmpty)
    }

    @Test func optOutOnOneChannelStopsOnlyThatChannel() async throws {
        let f = try Fixture()
        try await f.client("C1", channel: .both, phone: "5555-0003")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        try await f.store.append(.optedOut(OptedOut(clientId: nil, phone: "+50255550003", channel: .sms, source: "keyword:ALTO")), actor: "webhook:twilio")
        let summary = try await f.run(local("2026-11-26", "09:00"))
        #expect(try f.sent.map(\.messageKey) == ["I1|D0|whatsapp"])
        #expect(summary.skipped == ["opted_out": 1])
    }

    @Test func sameChannelTwiceKeepsOneRowAndAllChannelsRowStaysApart() async throws {
        let f = try Fixture()
        for source in ["keyword:BAJA", "keyword:STOP"] {
            try await f.store.append(.optedOut(OptedOut(clientId: nil, phone: "+50255550004", channel: .sms, source: source)), actor: "test")
        }
        try await f.store.append(.optedOut(OptedOut(clientId: nil, phone: "+50255550004", channel: nil, source: "console")), actor: "test")
        let rows = try f.store.read { try OptOutRecord.fetchAll($0) }
        #expect(rows.count == 2)
        #expect(rows.first { $0.channel == "sms" }?.source == "keyword:BAJA")
        #expect(rows.contains { $0.channel == nil })
    }
}
