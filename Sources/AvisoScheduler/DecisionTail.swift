import AvisoLedger

extension Scheduler {
    /// Records a run's decisions (and its recovery) do not depend on, so a decision need not
    /// wait for them to be projected. An inbound message only moves its number's conversation
    /// window, which governance never reads. A status callback without Aviso's message key
    /// only moves the status of a message already sent (never a skipped, rendered, deferred or
    /// scheduled one, which are what governance looks at). A callback with the key can attach
    /// a provider id to a send whose record was lost, and that counts toward the daily cap:
    /// it is waited for. Opt-outs, settings (pause) and everything else are waited for.
    static func decisionUnaffected(by record: LedgerRecord) -> Bool {
        switch record.type {
        case InboundMessageReceived.eventType:
            return true
        case DeliveryStatusReceived.eventType:
            guard case let .deliveryStatusReceived(e)? = try? record.decodeEvent() else { return false }
            return e.messageKey == nil
        default:
            return false
        }
    }
}
