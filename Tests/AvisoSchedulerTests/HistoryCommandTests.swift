import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// `aviso history`: phone numbers masked unless `--unmasked` (as `aviso log`), times local
/// in the settings' time zone with their offset.
@Suite(.serialized) struct HistoryCommandTests {
    func history(_ f: Fixture, _ extra: [String] = []) throws -> String {
        let (process, out, err) = try avisoProcess(["history", "--data", f.url.path] + extra)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        return text
    }

    @Test func phonesAreMaskedAndTimesAreLocal() async throws {
        let f = try Fixture()
        try await f.client("C1", phone: "5555-1234")
        try await f.store.append(.messageSent(MessageSent(
            messageKey: "k1", clientId: "C1", installmentId: nil, stage: "D-2", channel: .sms, provider: "twilio",
            to: "+50255551234", messageId: "SM1", status: .queued, dryRun: false, at: Date())), actor: "test")
        try await f.store.append(.inboundMessageReceived(InboundMessageReceived(provider: "whatsapp", from: "+50255551234", at: Date())),
                                 actor: "webhook:whatsapp")

        let masked = try history(f)
        #expect(masked.contains("***1234"))
        for full in ["5555-1234", "+50255551234", "55551234"] { #expect(!masked.contains(full), "\(full) in:\n\(masked)") }
        let lines = masked.split(separator: "\n")
        #expect(lines.count == 3)
        // Guatemala, the default settings' zone: UTC-6 all year.
        #expect(lines.allSatisfy { $0.split(separator: "\t")[1].hasSuffix("-06:00") }, "\(masked)")

        let json = try history(f, ["--json"]).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(json.allSatisfy { ($0["time"] as? String)?.hasSuffix("-06:00") == true })
        #expect(!json.contains { "\($0)".contains("55551234") })

        let unmasked = try history(f, ["--unmasked"])
        #expect(unmasked.contains("5555-1234") && unmasked.contains("+50255551234"))

        // The settings' zone decides; an offset, never a bare local time.
        try await f.settings(SettingsChanged(timeZone: "America/New_York"))
        let hours = TimeZone(identifier: "America/New_York")!.secondsFromGMT(for: Date()) / 3600
        let offset = String(format: "-%02d:00", -hours)
        let newYork = try history(f).split(separator: "\n")
        #expect(newYork.allSatisfy { $0.split(separator: "\t")[1].hasSuffix(offset) }, "\(newYork)")
    }
}
