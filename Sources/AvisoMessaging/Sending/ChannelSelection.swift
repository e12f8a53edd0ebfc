import AvisoLedger

/// Which channels a message goes out on, and whether each is real or a dry run.
public enum ChannelSelection {
    struct Choice: Equatable {
        let channel: Channel
        let dryRun: Bool
    }

    /// The preferred channel if its provider is configured, else the other one; `both` sends
    /// on both. A channel whose provider is not configured is a dry run (the lender's rule:
    /// missing credentials never fail, they record what would have been sent).
    static func choose(preferred: PreferredChannel, only: Channel?, configured: (Channel) -> Bool, forceDryRun: Bool) -> [Choice] {
        func choice(_ c: Channel) -> Choice { Choice(channel: c, dryRun: forceDryRun || !configured(c)) }
        if let only { return [choice(only)] }
        switch preferred {
        case .both:
            return [choice(.whatsapp), choice(.sms)]
        case .whatsapp, .sms:
            let first: Channel = preferred == .whatsapp ? .whatsapp : .sms
            let other: Channel = first == .whatsapp ? .sms : .whatsapp
            if forceDryRun || configured(first) || !configured(other) { return [choice(first)] }
            return [choice(other)]
        }
    }

    /// The channel a message decided for `intended` really goes out on: the other channel
    /// when only that one's provider is configured, unless the client wants both (then the
    /// other channel has a message of its own).
    public static func deliveryChannel(intended: Channel, preferred: PreferredChannel, configured: (Channel) -> Bool) -> Channel {
        let other: Channel = intended == .whatsapp ? .sms : .whatsapp
        guard preferred != .both, !configured(intended), configured(other) else { return intended }
        return other
    }
}
