import Foundation

/// A regular expression from libphonenumber's metadata, compiled once (regions are loaded, and
/// their patterns compiled, on first use). `whole` patterns must match the entire string (national
/// number patterns); `prefix` patterns match at its start, like Python's `re.match` (international
/// and national prefixes, leading digits).
/// NSRegularExpression rather than Swift `Regex`, which is not Sendable; NSRegularExpression is
/// immutable and documented as safe to share between threads. ICU and Python's `re` agree on the
/// small syntax the metadata uses (classes, `\d`, groups, `|`, `?`, `{m,n}`, `$`).
struct NumberPattern: @unchecked Sendable {
    enum Anchoring { case whole, prefix }

    let source: String
    private let regex: NSRegularExpression

    /// Nil when `source` is not a valid pattern.
    init?(_ source: String, _ anchoring: Anchoring) {
        self.source = source
        // A non-capturing wrapper keeps the pattern's own group numbers for transforms.
        let anchored = anchoring == .whole ? "^(?:\(source))\\z" : "^(?:\(source))"
        guard let regex = try? NSRegularExpression(pattern: anchored) else { return nil }
        self.regex = regex
    }

    private func firstMatch(_ digits: String) -> NSTextCheckingResult? {
        regex.firstMatch(in: digits, range: NSRange(location: 0, length: digits.utf16.count))
    }

    /// A `whole` pattern matches the entire string; a `prefix` pattern its start.
    func matches(_ digits: String) -> Bool {
        firstMatch(digits) != nil
    }

    /// A `prefix` pattern's match: the digits after it and, given a transform `template`
    /// (`$1` = first group), the match rewritten by it followed by those digits. The rewrite is
    /// nil without a template or when the pattern's last group took no part in the match
    /// (libphonenumber then just strips the prefix).
    func prefixMatch(_ digits: String, template: String? = nil) -> (rest: String, rewritten: String?)? {
        guard let match = firstMatch(digits) else { return nil }
        let end = match.range.location + match.range.length
        // Digits are ASCII: UTF-16 offsets are character offsets.
        let rest = String(digits.dropFirst(end))
        guard let template, match.numberOfRanges > 1,
              match.range(at: match.numberOfRanges - 1).location != NSNotFound else { return (rest, nil) }
        return (rest, regex.replacementString(for: match, in: digits, offset: 0, template: template) + rest)
    }
}
