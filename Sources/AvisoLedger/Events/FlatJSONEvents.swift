import Foundation

// The hot events' hand-written JSON (see `FlatJSONCodable`). Keys are written in the order
// `.sortedKeys` gives, nil optionals left out as the synthesized `Codable` leaves them.

extension DeliveryStatusReceived: FlatJSONCodable {
    func flatJSON() -> Data? {
        var w = FlatJSONWriter()
        w.string("errorCode", errorCode)
        w.string("messageId", messageId)
        w.string("messageKey", messageKey)
        w.bool("pricingBillable", pricingBillable)
        w.string("pricingCategory", pricingCategory)
        w.string("pricingModel", pricingModel)
        w.string("pricingType", pricingType)
        w.string("provider", provider)
        w.instant("providerTime", providerTime)
        w.string("recipient", recipient)
        w.string("status", status.rawValue)
        return w.finish()
    }

    static func fromFlatJSON(_ r: inout FlatJSONReader) -> DeliveryStatusReceived? {
        var provider: String?, messageId: String?, status: DeliveryStatus?
        var errorCode: String?, providerTime: Date?, recipient: String?, messageKey: String?
        var pricingBillable: Bool?, pricingModel: String?, pricingCategory: String?, pricingType: String?
        var fields = FlatJSONFields()
        while let (key, value) = r.next() {
            switch key {
            case "provider":
                guard fields.first(0), case let .string(s) = value else { return r.fail() }
                provider = s
            case "messageId":
                guard fields.first(1), case let .string(s) = value else { return r.fail() }
                messageId = s
            case "status":
                guard fields.first(2), case let .string(s) = value, let known = DeliveryStatus(rawValue: s) else { return r.fail() }
                status = known
            case "errorCode":
                guard fields.first(3), let v = FlatJSONFields.text(value) else { return r.fail() }
                errorCode = v
            case "providerTime":
                guard fields.first(4), let v = FlatJSONFields.instant(value) else { return r.fail() }
                providerTime = v
            case "recipient":
                guard fields.first(5), let v = FlatJSONFields.text(value) else { return r.fail() }
                recipient = v
            case "messageKey":
                guard fields.first(6), let v = FlatJSONFields.text(value) else { return r.fail() }
                messageKey = v
            case "pricingBillable":
                guard fields.first(7), let v = FlatJSONFields.flag(value) else { return r.fail() }
                pricingBillable = v
            case "pricingModel":
                guard fields.first(8), let v = FlatJSONFields.text(value) else { return r.fail() }
                pricingModel = v
            case "pricingCategory":
                guard fields.first(9), let v = FlatJSONFields.text(value) else { return r.fail() }
                pricingCategory = v
            case "pricingType":
                guard fields.first(10), let v = FlatJSONFields.text(value) else { return r.fail() }
                pricingType = v
            default:
                return r.fail()
            }
        }
        guard let provider, let messageId, let status else { return r.fail() }
        return DeliveryStatusReceived(provider: provider, messageId: messageId, status: status, errorCode: errorCode,
                                      providerTime: providerTime, recipient: recipient, messageKey: messageKey,
                                      pricingBillable: pricingBillable, pricingModel: pricingModel,
                                      pricingCategory: pricingCategory, pricingType: pricingType)
    }
}

extension MessageSent: FlatJSONCodable {
    func flatJSON() -> Data? {
        var w = FlatJSONWriter()
        w.instant("at", at)
        w.string("channel", channel.rawValue)
        w.string("clientId", clientId)
        w.bool("dryRun", dryRun)
        w.string("fallbackOf", fallbackOf)
        w.string("installmentId", installmentId)
        w.string("messageId", messageId)
        w.string("messageKey", messageKey)
        w.string("provider", provider)
        w.string("stage", stage)
        w.string("status", status.rawValue)
        w.bool("test", test)
        w.string("to", to)
        return w.finish()
    }

    static func fromFlatJSON(_ r: inout FlatJSONReader) -> MessageSent? {
        var messageKey: String?, clientId: String?, installmentId: String?, stage: String?, channel: Channel?
        var provider: String?, to: String?, messageId: String?, status: DeliveryStatus?, dryRun: Bool?, test: Bool?
        var fallbackOf: String?, at: Date?
        var fields = FlatJSONFields()
        while let (key, value) = r.next() {
            switch key {
            case "messageKey":
                guard fields.first(0), case let .string(s) = value else { return r.fail() }
                messageKey = s
            case "clientId":
                guard fields.first(1), let v = FlatJSONFields.text(value) else { return r.fail() }
                clientId = v
            case "installmentId":
                guard fields.first(2), let v = FlatJSONFields.text(value) else { return r.fail() }
                installmentId = v
            case "stage":
                guard fields.first(3), case let .string(s) = value else { return r.fail() }
                stage = s
            case "channel":
                guard fields.first(4), case let .string(s) = value, let known = Channel(rawValue: s) else { return r.fail() }
                channel = known
            case "provider":
                guard fields.first(5), case let .string(s) = value else { return r.fail() }
                provider = s
            case "to":
                guard fields.first(6), case let .string(s) = value else { return r.fail() }
                to = s
            case "messageId":
                guard fields.first(7), case let .string(s) = value else { return r.fail() }
                messageId = s
            case "status":
                guard fields.first(8), case let .string(s) = value, let known = DeliveryStatus(rawValue: s) else { return r.fail() }
                status = known
            case "dryRun":
                guard fields.first(9), case let .bool(b) = value else { return r.fail() }
                dryRun = b
            case "test":
                guard fields.first(10), case let .bool(b) = value else { return r.fail() }
                test = b
            case "fallbackOf":
                guard fields.first(11), let v = FlatJSONFields.text(value) else { return r.fail() }
                fallbackOf = v
            case "at":
                guard fields.first(12), case let .string(s) = value, let instant = try? StrictInstant.parse(s) else { return r.fail() }
                at = instant
            default:
                return r.fail()
            }
        }
        guard let messageKey, let stage, let channel, let provider, let to, let messageId, let status,
              let dryRun, let test, let at else { return r.fail() }
        var sent = MessageSent(messageKey: messageKey, clientId: clientId ?? "", installmentId: installmentId, stage: stage,
                               channel: channel, provider: provider, to: to, messageId: messageId, status: status,
                               dryRun: dryRun, test: test, fallbackOf: fallbackOf, at: at)
        sent.clientId = clientId
        return sent
    }
}
