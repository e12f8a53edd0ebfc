import Foundation

/// Opt-out replies. The text is normalised: case, accents and width folded; anything but
/// letters and digits separates words (so emoji and punctuation never hide a keyword).
///
/// A message opts out when
/// - the whole message is one of `phrases` ("no más", "dar de baja"), or
/// - its first word is one of `words` and it stands alone: nothing follows, or a clause
///   break (, . ; : ! ? …) comes right after it, or only courtesy words follow
///   ("Alto, ya pagué", "BAJA por favor", "stop please").
///
/// So "alto el monto?" (the amount is high?), "baja la cuota?" and "ya pagué" are ordinary
/// replies, not opt-outs.
public enum OptOutKeywords {
    /// Spanish words the lender's clients use, and Twilio's English defaults.
    public static let words: Set<String> = [
        "BAJA", "ALTO", "CANCELAR", "DETENER", "PARAR", "DESUSCRIBIR", "DESUSCRIBIRME",
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    ]

    /// Whole messages that opt out (normalised, words separated by one space).
    public static let phrases: Set<String> = [
        "NO MAS", "NO MAS MENSAJES", "YA NO MANDEN MENSAJES", "NO ME ESCRIBAN MAS", "NO QUIERO MAS MENSAJES",
        "DAR DE BAJA", "DARME DE BAJA", "DENME DE BAJA", "QUIERO DARME DE BAJA",
        "OPT OUT", "STOP ALL",
    ]

    /// Words that may follow a keyword without changing what it means.
    public static let courtesy: Set<String> = [
        "POR", "FAVOR", "PORFA", "PORFAVOR", "GRACIAS", "YA", "PLEASE", "THANKS", "NOW", "AHORA",
    ]

    /// The keyword or phrase `text` opts out with (normalised, upper case), or nil.
    public static func match(_ text: String) -> String? {
        let tokens = tokenize(text)
        guard let first = tokens.first else { return nil }
        let whole = tokens.map(\.word).joined(separator: " ")
        if phrases.contains(whole) { return whole }
        guard words.contains(first.word) else { return nil }
        let rest = tokens.dropFirst()
        if rest.isEmpty || rest.first!.afterBreak || rest.allSatisfy({ courtesy.contains($0.word) }) { return first.word }
        return nil
    }

    struct Token: Equatable {
        var word: String
        /// A clause break (, . ; : ! ? …) stands between this word and the one before.
        var afterBreak: Bool
    }

    static let breaks: Set<Unicode.Scalar> = [",", ".", ";", ":", "!", "?", "…", "¡", "¿", "\n"]

    /// Folded words, each marked with whether a clause break precedes it. Scalar by scalar
    /// (Foundation's trimming misses non-BMP emoji on Linux). At most 64 words are read.
    static func tokenize(_ text: String) -> [Token] {
        let folded = String(text.prefix(1_000))
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).uppercased()
        var tokens: [Token] = []
        var current = String.UnicodeScalarView()
        var sawBreak = false
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.append(scalar)
                continue
            }
            if !current.isEmpty {
                tokens.append(Token(word: String(current), afterBreak: sawBreak))
                current = String.UnicodeScalarView()
                sawBreak = false
                if tokens.count >= 64 { return tokens }
            }
            if breaks.contains(scalar) { sawBreak = true }
        }
        if !current.isEmpty { tokens.append(Token(word: String(current), afterBreak: sawBreak)) }
        return tokens
    }
}
