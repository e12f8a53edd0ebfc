import Foundation

/// Opt-out replies. A message is an opt-out when, ignoring case, accents, and anything
/// but letters and digits around it (spaces, punctuation, emoji), it is exactly one of these words (Twilio's single-word rule).
public enum OptOutKeywords {
    /// Spanish words the lender's clients use, and Twilio's English defaults.
    public static let words: Set<String> = [
        "BAJA", "ALTO", "CANCELAR",
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    ]

    /// The keyword `text` is (normalised, upper case), or nil.
    public static func match(_ text: String) -> String? {
        let scalars = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).unicodeScalars
        // Trimmed scalar by scalar (Foundation's trimming misses non-BMP emoji on Linux).
        let kept = scalars.drop { !CharacterSet.alphanumerics.contains($0) }
            .reversed().drop { !CharacterSet.alphanumerics.contains($0) }.reversed()
        var view = String.UnicodeScalarView()
        view.append(contentsOf: kept)
        let folded = String(view).uppercased()
        return words.contains(folded) ? folded : nil
    }
}
