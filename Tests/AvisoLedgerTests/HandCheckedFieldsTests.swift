@testable import AvisoLedger
import Foundation
import Testing

/// The webhook events are checked through a hand-written list of their fields instead of
/// `Mirror`: the list must name every stored property, and refuse exactly what reflection refuses.
@Suite struct HandCheckedFieldsTests {
    /// Records the names visited.
    struct Names: EventFieldVisitor {
        var seen: [String] = []
        mutating func text(_ value: String?, _ field: String) { seen.append(field) }
        mutating func instant(_ value: Date?, _ field: String) { seen.append(field) }
        mutating func plain(_ field: String) { seen.append(field) }
    }

    static let long = String(repeating: "ñ", count: 20_000)
    static let past = Date(timeIntervalSince1970: 1e300)
    static let fine = Date(timeIntervalSince1970: 1_790_000_000)

    static let samples: [any EventPayload & HandCheckedFields] = [
        DeliveryStatusReceived(provider: "whatsapp", messageId: "wamid.1", status: .read, errorCode: "131047", providerTime: fine,
                               recipient: "50255551234", messageKey: "k", pricingBillable: true, pricingModel: "PMP",
                               pricingCategory: "utility", pricingType: "regular"),
        InboundMessageReceived(provider: "twilio", from: "+50255551234", at: fine, messageId: "SM1"),
        OptedOut(clientId: "C1", phone: "+50255551234", channel: .sms, source: "keyword:BAJA"),
    ]

    @Test(arguments: 0..<samples.count)
    func theListNamesEveryStoredField(index: Int) throws {
        let sample = Self.samples[index]
        var names = Names()
        try sample.visitFields(&names)
        #expect(names.seen == Mirror(reflecting: sample).children.compactMap(\.label), "\(type(of: sample))")
    }

    /// Hostile values in every checked field of the webhook events.
    static let hostile: [any EventPayload] = [
        DeliveryStatusReceived(provider: long, messageId: "m", status: .sent),
        DeliveryStatusReceived(provider: "p", messageId: long, status: .sent),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .failed, errorCode: long),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, providerTime: past),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, providerTime: Date(timeIntervalSince1970: .nan)),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, providerTime: Date(timeIntervalSince1970: -1)),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, recipient: long),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, messageKey: long),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, pricingModel: long),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, pricingCategory: long),
        DeliveryStatusReceived(provider: "p", messageId: "m", status: .sent, pricingType: long),
        InboundMessageReceived(provider: long, from: "f", at: fine),
        InboundMessageReceived(provider: "p", from: long, at: fine),
        InboundMessageReceived(provider: "p", from: "f", at: past),
        InboundMessageReceived(provider: "p", from: "f", at: fine, messageId: long),
        OptedOut(clientId: long, phone: "p", channel: nil, source: "s"),
        OptedOut(clientId: nil, phone: long, channel: .whatsapp, source: "s"),
        OptedOut(clientId: nil, phone: "p", channel: .sms, source: long),
    ]

    @Test(arguments: 0..<hostile.count)
    func aHostileFieldIsRefusedAsReflectionRefusesIt(index: Int) {
        let payload = Self.hostile[index]
        let type = Swift.type(of: payload).eventType
        var byList: InvalidEventError?, byReflection: InvalidEventError?
        do { try EventValidation.check(payload, actor: "webhook:test") } catch { byList = error }
        do { try EventValidation.checkByReflection(payload, type: type) } catch { byReflection = error }
        #expect(byList != nil, "\(payload) was accepted")
        #expect(byList == byReflection)
    }

    @Test(arguments: 0..<samples.count)
    func aGoodEventPassesBoth(index: Int) throws {
        let payload = Self.samples[index]
        try EventValidation.check(payload, actor: "webhook:test")
        try EventValidation.checkByReflection(payload, type: Swift.type(of: payload).eventType)
    }
}
