import Foundation

/// One numbering plan we serve: the rules to parse a number written there and the
/// patterns that tell whether a national number is valid and what kind of line it is.
/// The entries live in `PhoneRegionTable.swift`; this file only reads them.
public struct PhoneRegion: Sendable, Hashable {
    /// ISO 3166 region code, e.g. `GT`.
    public let code: String
    /// Country calling code without `+`, e.g. `502`.
    public let callingCode: String
    /// Prefix dialled to call abroad from this region (`00`, `011`, `0[09]`).
    let internationalPrefix: NumberPattern
    /// A trunk prefix or carrier code people type before national numbers, stripped when parsing.
    let nationalPrefix: NumberPattern?
    /// A digit written between the country code and a mobile number that is not part of it
    /// (Mexico's old `+52 1`); dropped when the rest is a full national number.
    let mobileToken: String?
    /// Lengths a national number of this region may have, shortest first.
    let lengths: [Int]
    /// Every number of the region matches this; a cheap first filter.
    let general: NumberPattern
    let fixedLine: NumberPattern?
    let mobile: NumberPattern?
    /// Valid numbers that are neither fixed nor mobile (toll-free, premium, shared cost,
    /// personal, VoIP, UAN): accepted, typed `unknown`.
    let otherValid: [NumberPattern]

    init(code: String, callingCode: String, internationalPrefix: String, nationalPrefix: String? = nil,
         mobileToken: String? = nil, lengths: [Int], general: String, fixedLine: String?, mobile: String?,
         otherValid: [String]) {
        self.code = code
        self.callingCode = callingCode
        self.internationalPrefix = NumberPattern(internationalPrefix)
        self.nationalPrefix = nationalPrefix.map(NumberPattern.init)
        self.mobileToken = mobileToken
        self.lengths = lengths
        self.general = NumberPattern(general)
        self.fixedLine = fixedLine.map(NumberPattern.init)
        self.mobile = mobile.map(NumberPattern.init)
        self.otherValid = otherValid.map(NumberPattern.init)
    }

    /// The default region from what staff type: a region code (`gt`, ` SV `) or a
    /// calling code (`502`, `+503`, `+ 52`). A calling code shared by several regions
    /// gives the first in the table (`1` is the US).
    public static func resolve(_ countryInput: String) -> PhoneRegion? {
        let compact = String(countryInput.filter { !$0.isWhitespace }).uppercased()
        if compact.count == 2, compact.allSatisfy({ $0.isASCII && $0.isLetter }) {
            return table.first { $0.code == compact }
        }
        let digits = compact.hasPrefix("+") ? String(compact.dropFirst()) : compact
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return table.first { $0.callingCode == digits }
    }

    /// The regions we serve, in table order (for help texts and pickers).
    public static var all: [PhoneRegion] { table }

    /// Every region whose numbers start with `callingCode`, in table order.
    static func regions(callingCode: String) -> [PhoneRegion] {
        table.filter { $0.callingCode == callingCode }
    }

    /// The line type of a national number, or nil when it is not a valid number here.
    /// Same order as libphonenumber: the special services first, then fixed and mobile.
    func lineType(of national: String) -> PhoneLineType? {
        guard lengths.contains(national.count), general.matches(national) else { return nil }
        if otherValid.contains(where: { $0.matches(national) }) { return .unknown }
        let isFixed = fixedLine?.matches(national) ?? false
        let isMobile = mobile?.matches(national) ?? false
        switch (isFixed, isMobile) {
        case (true, true): return .fixedLineOrMobile
        case (true, false): return .fixedLine
        case (false, true): return .mobile
        case (false, false): return nil
        }
    }

    /// Where a length falls against this region's valid lengths (nil: a valid length).
    func lengthError(_ count: Int) -> PhoneNumberError? {
        guard let shortest = lengths.first, let longest = lengths.last else { return .invalidForRegion }
        if count < shortest { return .tooShort }
        if count > longest { return .tooLong }
        return lengths.contains(count) ? nil : .invalidLength
    }
}

/// A regular expression from the table, compiled once. Compared by its source text.
/// NSRegularExpression rather than Swift `Regex`, which is not Sendable; NSRegularExpression
/// is immutable and documented as safe to share between threads.
struct NumberPattern: @unchecked Sendable, Hashable {
    let source: String
    private let whole: NSRegularExpression
    private let prefix: NSRegularExpression

    init(_ source: String) {
        self.source = source
        // The table is constant and every entry is exercised by the tests: a bad pattern is a programming error.
        self.whole = try! NSRegularExpression(pattern: "^(?:\(source))\\z")
        self.prefix = try! NSRegularExpression(pattern: "^(?:\(source))")
    }

    /// The whole string matches.
    func matches(_ digits: String) -> Bool {
        whole.firstMatch(in: digits, range: NSRange(digits.startIndex..., in: digits)) != nil
    }

    /// What is left after the pattern matched at the start, or nil if it does not.
    func strippingPrefix(of digits: String) -> String? {
        guard let match = prefix.firstMatch(in: digits, range: NSRange(digits.startIndex..., in: digits)),
              let end = Range(match.range, in: digits)?.upperBound else { return nil }
        return String(digits[end...])
    }

    static func == (a: Self, b: Self) -> Bool { a.source == b.source }
    func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
