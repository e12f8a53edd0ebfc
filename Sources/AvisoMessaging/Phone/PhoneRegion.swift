import Foundation

/// One numbering plan: the rules to parse a number written there and the descriptions that tell
/// whether a national number is valid and what kind of line it is. Every region of libphonenumber's
/// metadata (`GeneratedPhoneMetadata.swift`), loaded on first use by `PhoneMetadataCatalogue`.
public struct PhoneRegion: Sendable, Hashable {
    /// ISO 3166 region code, e.g. `GT`; `001` for a non-geographic calling code (`+800`).
    public let code: String
    /// Country calling code without `+`, e.g. `502`.
    public let callingCode: String
    /// Prefix dialled to call abroad from this region (`00`, `011`, `0[09]`).
    let internationalPrefix: NumberPattern?
    /// A trunk prefix or carrier code people type before national numbers, and what the
    /// number becomes without it (a template over the pattern's groups), when it is not just cut.
    let nationalPrefixForParsing: NumberPattern?
    let nationalPrefixTransform: String?
    /// For regions sharing a calling code: national numbers starting so belong here.
    let leadingDigits: NumberPattern?
    /// Every valid number of the region matches this.
    let general: NumberDescription
    /// Toll-free, premium rate, shared cost, VoIP, personal, pager, UAN, voicemail: valid, typed `unknown`.
    let specialServices: [NumberDescription]
    let fixedLine: NumberDescription?
    let mobile: NumberDescription?

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code && a.callingCode == b.callingCode }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(callingCode)
    }

    /// The default region from what staff type: a region code (`gt`, ` SV `) or a calling code
    /// (`502`, `+503`, `+ 52`). A calling code shared by several regions gives its main one
    /// (`1` is the US, `44` the UK); non-geographic codes (`800`) are not a region.
    public static func resolve(_ countryInput: String) -> PhoneRegion? {
        let compact = String(countryInput.filter { !$0.isWhitespace }).uppercased()
        let catalogue = PhoneMetadataCatalogue.shared
        if compact.count == 2, compact.allSatisfy({ $0.isASCII && $0.isLetter }) {
            return catalogue.region(code: compact)
        }
        let digits = compact.hasPrefix("+") ? String(compact.dropFirst()) : compact
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let main = catalogue.regionCodes(callingCode: digits).first else { return nil }
        return catalogue.region(code: main)
    }

    /// Every region, by region code (for help texts and pickers). Loads them all.
    public static var all: [PhoneRegion] {
        let catalogue = PhoneMetadataCatalogue.shared
        return catalogue.geographicRegionCodes.compactMap { catalogue.region(code: $0) }
    }

    /// Every region whose numbers start with `callingCode`, the main one first.
    static func regions(callingCode: String) -> [PhoneRegion] {
        let catalogue = PhoneMetadataCatalogue.shared
        return catalogue.regionCodes(callingCode: callingCode).compactMap {
            catalogue.region(code: $0, callingCode: callingCode)
        }
    }

    /// The line type of a national number, or nil when it is not a valid number here.
    /// Same order as libphonenumber: the special services first, then fixed and mobile.
    func lineType(of national: String) -> PhoneLineType? {
        guard general.matches(national) else { return nil }
        if specialServices.contains(where: { $0.matches(national) }) { return .unknown }
        // Where both patterns are the same (or both absent) the plan cannot tell them apart.
        let samePattern = fixedLine?.pattern.source == mobile?.pattern.source
        if let fixedLine, fixedLine.matches(national) {
            return samePattern || mobile?.matches(national) == true ? .fixedLineOrMobile : .fixedLine
        }
        if !samePattern, let mobile, mobile.matches(national) { return .mobile }
        return nil
    }

    /// How a national number's length compares with the region's possible lengths.
    func lengthCheck(_ national: String) -> LengthCheck {
        general.lengthCheck(national.count)
    }
}

/// libphonenumber's possible-length verdicts.
enum LengthCheck {
    case possible, tooShort, tooLong, invalidLength
    /// A length only dialled within an area (a US number without its area code).
    case localOnly
}

/// One kind of number in a region: its possible lengths and its national number pattern.
struct NumberDescription: Sendable {
    /// Ascending.
    let lengths: [Int]
    let localOnlyLengths: [Int]
    let pattern: NumberPattern

    /// The number has one of the lengths and matches the pattern.
    func matches(_ national: String) -> Bool {
        lengths.contains(national.count) && pattern.matches(national)
    }

    func lengthCheck(_ count: Int) -> LengthCheck {
        if localOnlyLengths.contains(count) { return .localOnly }
        guard let shortest = lengths.first, let longest = lengths.last else { return .invalidLength }
        if count < shortest { return .tooShort }
        if count > longest { return .tooLong }
        return lengths.contains(count) ? .possible : .invalidLength
    }
}
