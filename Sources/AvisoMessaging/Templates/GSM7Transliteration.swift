import Foundation

/// Folds a text into the GSM-7 alphabet so an SMS is billed as GSM-7 (160 characters a part)
/// instead of UCS-2 (70): one `á` anywhere, even in a value such as "sábado" or "Ángel",
/// switches the whole message to UCS-2 and can triple its cost.
///
/// Characters GSM-7 has are kept (`é ñ ü Ñ Ü ¿ ¡ à è ù ì ò ä ö`); accented vowels it lacks lose
/// the accent (`á → a`, `Á → A`), typographic punctuation becomes its plain form (`“ → "`,
/// `– → -`, `… → ...`), emoji are dropped and anything else becomes `?`.
public enum GSM7Transliteration {
    /// Replacements for characters outside GSM-7 that a plain decomposition would get wrong
    /// or could not handle (punctuation, ligatures, spaces).
    static let replacements: [Character: String] = [
        // GSM-7 has `Ç` (0x09) but not `ç`; handsets show 0x09 as a c with cedilla.
        "ç": "Ç",
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "´": "'", "`": "'",
        "“": "\"", "”": "\"", "„": "\"", "‟": "\"", "″": "\"", "«": "\"", "»": "\"",
        "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "−": "-", "•": "-", "·": ".",
        "…": "...", "ª": "a", "º": "o", "°": "o", "¢": "c", "©": "(c)", "®": "(R)", "™": "TM",
        "\u{00A0}": " ", "\u{2007}": " ", "\u{2009}": " ", "\u{202F}": " ", "\t": " ",
        "Œ": "OE", "œ": "oe", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
    ]

    /// `text` with every character in GSM-7 (see the type's comment).
    public static func apply(_ text: String) -> String {
        var out = ""
        var droppedLast = false
        for character in text.precomposedStringWithCanonicalMapping {
            if SMSEncoding.isGSM7(character) {
                // No double space where an emoji was dropped between two words.
                if droppedLast, character == " ", out.isEmpty || out.hasSuffix(" ") { continue }
                out.append(character)
                droppedLast = false
            } else if let replacement = replacements[character] {
                out += replacement
                droppedLast = false
            } else if let folded = folded(character) {
                out += folded
                droppedLast = false
            } else if isPictograph(character) {
                droppedLast = true
            } else {
                out.append("?")
                droppedLast = false
            }
        }
        if droppedLast { while out.hasSuffix(" ") { out.removeLast() } }
        return out
    }

    /// The character without its diacritics (`á → a`, `Ô → O`), when that is GSM-7.
    private static func folded(_ character: Character) -> String? {
        let base = String(character).decomposedStringWithCanonicalMapping.unicodeScalars
            .filter { $0.properties.generalCategory != .nonspacingMark }
        let text = String(String.UnicodeScalarView(base))
        guard !text.isEmpty, text.allSatisfy(SMSEncoding.isGSM7) else { return nil }
        return text
    }

    /// Emoji and other pictographs: dropped, since no letter stands for them.
    private static func isPictograph(_ character: Character) -> Bool {
        let scalars = character.unicodeScalars
        let symbol = scalars.contains(where: { (scalar: Unicode.Scalar) -> Bool in
            scalar.properties.isEmojiPresentation || scalar.properties.isEmoji
                || scalar.properties.generalCategory == .otherSymbol
        })
        // Joiners and variation selectors left over from an emoji sequence.
        let joiner = scalars.allSatisfy({ (scalar: Unicode.Scalar) -> Bool in
            scalar.value == 0x200D || (0xFE00...0xFE0F).contains(scalar.value)
        })
        return symbol || joiner
    }
}
