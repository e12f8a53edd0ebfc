import Foundation

/// Visits an event's fields by name; `EventValidation` applies the ledger's bounds through it.
protocol EventFieldVisitor {
    mutating func text(_ value: String?, _ field: String) throws(InvalidEventError)
    mutating func instant(_ value: Date?, _ field: String) throws(InvalidEventError)
    /// A field with nothing to bound (a flag, a fixed enum).
    mutating func plain(_ field: String)
}

/// An event whose fields are listed by hand, so the ledger checks it without walking it with
/// `Mirror` (reflection was a tenth of a webhook's cost). Only the events webhooks append at
/// volume: every other event is still checked by reflection. A test compares each list with
/// the struct's stored properties, so a field added later cannot slip past.
protocol HandCheckedFields {
    func visitFields<V: EventFieldVisitor>(_ visitor: inout V) throws(InvalidEventError)
}

extension DeliveryStatusReceived: HandCheckedFields {
    func visitFields<V: EventFieldVisitor>(_ v: inout V) throws(InvalidEventError) {
        try v.text(provider, "provider")
        try v.text(messageId, "messageId")
        v.plain("status")
        try v.text(errorCode, "errorCode")
        try v.instant(providerTime, "providerTime")
        try v.text(recipient, "recipient")
        try v.text(messageKey, "messageKey")
        v.plain("pricingBillable")
        try v.text(pricingModel, "pricingModel")
        try v.text(pricingCategory, "pricingCategory")
        try v.text(pricingType, "pricingType")
    }
}

extension InboundMessageReceived: HandCheckedFields {
    func visitFields<V: EventFieldVisitor>(_ v: inout V) throws(InvalidEventError) {
        try v.text(provider, "provider")
        try v.text(from, "from")
        try v.instant(at, "at")
        try v.text(messageId, "messageId")
    }
}

extension OptedOut: HandCheckedFields {
    func visitFields<V: EventFieldVisitor>(_ v: inout V) throws(InvalidEventError) {
        try v.text(clientId, "clientId")
        try v.text(phone, "phone")
        v.plain("channel")
        try v.text(source, "source")
    }
}
