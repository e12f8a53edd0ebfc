@testable import AvisoLedger
import AvisoTestSupport
import Foundation
import Testing

/// The hot events' hand-written JSON must write the very bytes Foundation's encoder writes,
/// and read every payload to the value Foundation's decoder reads (or refuse what it refuses).
@Suite struct FlatJSONCodecTests {
    /// Mostly plain ids and words, sometimes what needs an escape or is not ASCII.
    static func text(_ g: inout SeededGenerator) -> String {
        let pieces = ["wamid.", "SM", "HBgL", "5025", "/", "+", "ñ", "é", "😀", " ", "-", "_", "=", "utility", "PMP", "x",
                      "\"", "\\", "\n", "\t", "\u{1}", "\u{1f}", "\u{7f}", "\u{2028}", ":", ",", "{", "}"]
        let plain = Int.random(in: 0..<4, using: &g) > 0
        let count = Int.random(in: 0...6, using: &g)
        return (0..<count).map { _ in pieces[Int.random(in: 0..<(plain ? 16 : pieces.count), using: &g)] }.joined()
    }

    static func maybe<T>(_ g: inout SeededGenerator, _ make: (inout SeededGenerator) -> T) -> T? {
        Bool.random(using: &g) ? make(&g) : nil
    }

    static func instant(_ g: inout SeededGenerator) -> Date {
        let seconds = Double(Int.random(in: 0..<7_258_118_400, using: &g))
        // Now and then a fraction, which `.iso8601` drops in its own way.
        return Date(timeIntervalSince1970: Int.random(in: 0..<5, using: &g) == 0 ? seconds + 0.25 : seconds)
    }

    static func status(_ g: inout SeededGenerator) -> DeliveryStatusReceived {
        DeliveryStatusReceived(provider: text(&g), messageId: text(&g), status: DeliveryStatus.allCases.randomElement(using: &g)!,
                               errorCode: maybe(&g, text), providerTime: maybe(&g, instant), recipient: maybe(&g, text),
                               messageKey: maybe(&g, text), pricingBillable: maybe(&g) { Bool.random(using: &$0) },
                               pricingModel: maybe(&g, text), pricingCategory: maybe(&g, text), pricingType: maybe(&g, text))
    }

    static func sent(_ g: inout SeededGenerator) -> MessageSent {
        var sent = MessageSent(messageKey: text(&g), clientId: text(&g), installmentId: maybe(&g, text), stage: text(&g),
                               channel: Channel.allCases.randomElement(using: &g)!, provider: text(&g), to: text(&g),
                               messageId: text(&g), status: DeliveryStatus.allCases.randomElement(using: &g)!,
                               dryRun: Bool.random(using: &g), test: Bool.random(using: &g), fallbackOf: maybe(&g, text),
                               at: instant(&g))
        if Bool.random(using: &g) { sent.clientId = nil }
        return sent
    }

    /// Encodes through the catalogue; compares with Foundation's bytes, then reads both ways.
    func roundTrip<P: EventPayload>(_ payload: P, _ wrap: (P) -> LedgerEvent, seed: UInt64) throws {
        let ours = try EventCatalogue.encode(wrap(payload)).payload
        let foundation = try EventCatalogue.encoder.encode(payload)
        #expect(ours == foundation, "seed \(seed): \(String(decoding: ours, as: UTF8.self)) != \(String(decoding: foundation, as: UTF8.self))")
        let expected = try EventCatalogue.decoder.decode(P.self, from: foundation)
        #expect(try EventCatalogue.decode(type: P.eventType, version: P.schemaVersion, payload: ours) == wrap(expected), "seed \(seed)")
    }

    @Test func deliveryStatusesWriteFoundationsBytesAndReadBackTheSame() throws {
        for seed in UInt64(0)..<3_000 {
            var g = SeededGenerator(state: seed)
            try roundTrip(Self.status(&g), LedgerEvent.deliveryStatusReceived, seed: seed)
        }
    }

    @Test func sendsWriteFoundationsBytesAndReadBackTheSame() throws {
        for seed in UInt64(0)..<3_000 {
            var g = SeededGenerator(state: seed)
            try roundTrip(Self.sent(&g), LedgerEvent.messageSent, seed: seed)
        }
    }

    /// The hand-written reader does read the plain form (it is not silently always falling back).
    @Test func thePlainFormIsReadByHand() throws {
        let status = DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.HBgL", status: .delivered,
                                            providerTime: Date(timeIntervalSince1970: 1_790_000_000), recipient: "50255551234",
                                            pricingBillable: true, pricingModel: "PMP")
        let bytes = try EventCatalogue.encoder.encode(status)
        #expect(DeliveryStatusReceived.readFlat(bytes) == status)
        let sent = MessageSent(messageKey: "k", clientId: "C1", installmentId: nil, stage: "D-2", channel: .sms, provider: "twilio",
                               to: "+50255551234", messageId: "SM1", status: .queued, dryRun: false,
                               at: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(MessageSent.readFlat(try EventCatalogue.encoder.encode(sent)) == sent)
    }

    /// Payloads other writers may have stored: each reads as Foundation reads it, or fails as it does.
    @Test(arguments: [
        #"{"messageId":"m","provider":"p","status":"read"}"#,
        #"{ "messageId": "m", "provider": "p", "status": "read" }"#,
        #"{"status":"read","provider":"p","messageId":"m"}"#,
        #"{"messageId":"m\/x","provider":"p\u00f1","status":"read"}"#,
        #"{"messageId":"m","provider":"p","status":"read","extra":{"a":[1,2]}}"#,
        #"{"messageId":"m","provider":"p","status":"read","errorCode":null,"pricingBillable":null}"#,
        #"{"messageId":"m","provider":"p","status":"read","providerTime":"2026-11-26T15:04:05.250Z"}"#,
        #"{"messageId":"m","provider":"p","status":"read","providerTime":"2026-11-26T15:04:05-06:00"}"#,
        #"{"messageId":"m","provider":"p","status":"read","providerTime":"2026-13-26T15:04:05Z"}"#,
        #"{"messageId":"m","provider":"p","status":"read","pricingBillable":"true"}"#,
        #"{"messageId":"m","provider":"p","status":"lost"}"#,
        #"{"messageId":"m","provider":"p"}"#,
        #"{"messageId":null,"provider":"p","status":"read"}"#,
        #"{"messageId":"m","messageId":"n","provider":"p","status":"read"}"#,
        #"{"messageId":"m","provider":"p","status":"read"}x"#,
        #"{"messageId":"m","provider":"p","status":"read""#,
        "{\"messageId\":\"m\u{1}\",\"provider\":\"p\",\"status\":\"read\"}",
        #"[]"#,
    ])
    func otherFormsReadAsFoundationReadsThem(json: String) {
        let data = Data(json.utf8)
        let foundation = Result { try EventCatalogue.decoder.decode(DeliveryStatusReceived.self, from: data) }
        let ours = Result { try EventCatalogue.decode(type: DeliveryStatusReceived.eventType, version: 1, payload: data) }
        switch (foundation, ours) {
        case let (.success(expected), .success(read)): #expect(read == .deliveryStatusReceived(expected))
        case (.failure, .failure): break
        default: Issue.record("\(json): Foundation \(foundation), catalogue \(ours)")
        }
    }

    /// Invalid UTF-8 is not repaired on the hand-written path.
    @Test func invalidUTF8IsNotReadByHand() {
        var bytes = Array(#"{"messageId":"m","provider":"p","status":"read"}"#.utf8)
        bytes[14] = 0xFF  // the `m` of "m"
        #expect(DeliveryStatusReceived.readFlat(Data(bytes)) == nil)
    }
}
