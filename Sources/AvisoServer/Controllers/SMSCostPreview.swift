import AvisoMessaging

/// The preview's answer: the preview itself, plus for an SMS what it will cost: alphabet,
/// parts and an estimated cost factor (parts × the channel's factor; 1 = one GSM-7 part).
struct SMSCostPreview: Encodable {
    struct Cost: Encodable {
        var encoding: String
        var segments: Int
        var characters: Int
        var costFactor: Double

        init(_ info: SMSInfo) {
            encoding = info.encoding.rawValue
            segments = info.segments
            characters = info.characters
            costFactor = info.costFactor
        }
    }

    var preview: MessagePreview
    var sms: Cost?

    private enum Keys: String, CodingKey { case sms }

    /// The preview's own fields at the top level, with `sms` beside them.
    func encode(to encoder: any Encoder) throws {
        try preview.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(sms, forKey: .sms)
    }
}
