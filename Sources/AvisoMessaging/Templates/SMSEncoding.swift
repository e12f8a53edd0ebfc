/// How a text travels as SMS: which alphabet, how long in that alphabet, how many parts.
public struct SMSInfo: Codable, Sendable, Equatable {
    public enum Encoding: String, Sendable, Codable {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    /// User-perceived characters (what a person would count).
    public var characters: Int
    public var encoding: Encoding
    /// Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
    public var units: Int
    /// Parts the carrier bills. 0 only for empty text.
    public var segments: Int

    public init(characters: Int, encoding: Encoding, units: Int, segments: Int) {
        self.characters = characters
        self.encoding = encoding
        self.units = units
        self.segments = segments
    }
}

extension SMSInfo {
    /// What one SMS part costs on the SMS channel, relative to a one-part message: Twilio bills
    /// every part alike, GSM-7 or UCS-2.
    public static let channelCostFactor = 1.0

    /// Estimated cost relative to a one-part SMS: parts × the channel's factor.
    public var costFactor: Double { Double(segments) * Self.channelCostFactor }
}

/// GSM 03.38 detection and segment counting.
public enum SMSEncoding {
    /// GSM 03.38 default alphabet (one septet each). Note `ñ Ñ é É ¿ ¡` are in it,
    /// but `á í ó ú Á Í Ó Ú` are not: one of those switches the whole message to UCS-2.
    static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars
    )
    /// Extension table: sent as ESC + char, so two septets each.
    static let extended: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)

    /// Whether `character` is in GSM-7 (basic or extension table), so an SMS with it stays GSM-7.
    public static func isGSM7(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { basic.contains($0) || extended.contains($0) }
    }

    public static func info(for text: String) -> SMSInfo {
        let scalars = text.unicodeScalars
        if scalars.allSatisfy({ basic.contains($0) || extended.contains($0) }) {
            // An escape pair must stay within one part, hence per-character costs.
            let costs = scalars.map { extended.contains($0) ? 2 : 1 }
            return SMSInfo(characters: text.count, encoding: .gsm7, units: costs.reduce(0, +),
                           segments: segments(costs, single: 160, multi: 153))
        }
        // A surrogate pair (emoji etc.) must not be split either.
        let costs = scalars.map { $0.utf16.count }
        return SMSInfo(characters: text.count, encoding: .ucs2, units: costs.reduce(0, +),
                       segments: segments(costs, single: 70, multi: 67))
    }

    /// Fits in one part if the total allows; otherwise fills parts of `multi` units
    /// (the rest of each part is the concatenation header) without splitting an item.
    private static func segments(_ costs: [Int], single: Int, multi: Int) -> Int {
        let total = costs.reduce(0, +)
        if total == 0 { return 0 }
        if total <= single { return 1 }
        var parts = 1
        var used = 0
        for cost in costs {
            if used + cost > multi {
                parts += 1
                used = 0
            }
            used += cost
        }
        return parts
    }
}
