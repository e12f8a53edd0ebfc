import Foundation

/// Turns what people type into a valid E.164 number with its line type, following
/// libphonenumber's parsing rules for the regions in `PhoneRegion.table`.
public enum PhoneNumberParser {
    /// Parses `raw` as typed by staff or a client. Numbers written with `+` or the default
    /// region's international prefix (`00` in Central America) carry their own country code;
    /// others are read as numbers of `defaultRegion` (a region code like `GT` or a calling
    /// code like `502` / `+503`).
    public static func parse(_ raw: String, defaultRegion: String = "GT") throws(PhoneNumberError) -> PhoneNumber {
        guard let home = PhoneRegion.resolve(defaultRegion) else { throw .unknownDefaultRegion }
        let (hasPlus, digits) = try digits(of: raw)

        let callingCode: String
        var national: String
        var wroteCallingCode = true
        if hasPlus {
            (callingCode, national) = try splitCallingCode(digits)
        } else if let rest = home.internationalPrefix.strippingPrefix(of: digits), !rest.hasPrefix("0") {
            // No calling code starts with 0, so `00` followed by 0 is not an international prefix.
            (callingCode, national) = try splitCallingCode(rest)
        } else if let rest = homeCallingCodeStripped(from: digits, home: home) {
            (callingCode, national) = (home.callingCode, rest)
        } else {
            (callingCode, national, wroteCallingCode) = (home.callingCode, digits, false)
        }

        // Parsing rules come from the default region for national numbers, else from the
        // first region of the calling code (all regions sharing a code share these rules).
        let candidates = PhoneRegion.regions(callingCode: callingCode)
        let rules = callingCode == home.callingCode ? home : candidates[0]
        if wroteCallingCode, let token = rules.mobileToken, national.hasPrefix(token),
           rules.lengths.contains(national.count - token.count) {
            // Our rule, not libphonenumber's: +52 1 55 1234 5678 is the same line as +52 55 1234 5678.
            national.removeFirst(token.count)
        }
        national = strippingNationalPrefix(national, rules: rules)

        // A shared calling code (+1) belongs to the first region whose plan has the number.
        for region in candidates {
            if let lineType = region.lineType(of: national) {
                return PhoneNumber(region: region.code, callingCode: callingCode,
                                   nationalNumber: national, lineType: lineType)
            }
        }
        throw rules.lengthError(national.count) ?? .invalidForRegion
    }

    /// One output line of `aviso phone`: `E164<TAB>TYPE` or `invalid<TAB>REASON`.
    public static func cliLine(for raw: String, defaultRegion: String) -> (line: String, valid: Bool) {
        do {
            let number = try parse(raw, defaultRegion: defaultRegion)
            return ("\(number.e164)\t\(number.lineType.rawValue)", true)
        } catch {
            return ("invalid\t\(error.reason)", false)
        }
    }

    // MARK: - Steps

    /// Characters people use to group digits; anything else (letters, `*`, `#`, `ext`) is refused.
    private static let separators: Set<Character> = ["-", ".", "(", ")", "/", "‐", "‑", "‒", "–", "—", "−"]

    /// The digits of `raw`, and whether it began with `+` (only separators may precede it).
    private static func digits(of raw: String) throws(PhoneNumberError) -> (hasPlus: Bool, digits: String) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .empty }
        guard text.count <= 250 else { throw .tooLong }  // libphonenumber's input limit; no real number is near it
        var digits = ""
        var hasPlus = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if character == "+", !hasPlus, digits.isEmpty {
                hasPlus = true
            } else if !character.isWhitespace, !separators.contains(character) {
                throw .notANumber
            }
        }
        guard !digits.isEmpty else { throw .notANumber }
        return (hasPlus, digits)
    }

    /// Splits an internationally written number into a calling code we serve and the rest.
    /// World calling codes are prefix-free, so the first table match is the only one.
    private static func splitCallingCode(_ digits: String) throws(PhoneNumberError) -> (String, String) {
        for region in PhoneRegion.table where digits.hasPrefix(region.callingCode) {
            return (region.callingCode, String(digits.dropFirst(region.callingCode.count)))
        }
        throw digits.count <= 2 ? .tooShort : .unknownCountryCode
    }

    /// `50255551234` typed in Guatemala is `502` + `55551234`: strip the default region's
    /// calling code when the digits do not fit the plan as they are but do without it, or
    /// are too long for it (libphonenumber's rule).
    private static func homeCallingCodeStripped(from digits: String, home: PhoneRegion) -> String? {
        guard digits.hasPrefix(home.callingCode) else { return nil }
        let rest = String(digits.dropFirst(home.callingCode.count))
        let fitsWithout = home.general.matches(strippingNationalPrefix(rest, rules: home))
        let tooLong = digits.count > (home.lengths.last ?? 0)
        return (!home.general.matches(digits) && fitsWithout) || tooLong ? rest : nil
    }

    /// Drops a trunk prefix or carrier code (US `1`, Costa Rica `19xx`), unless the digits
    /// already fit the plan and would not without it, or would become too short.
    private static func strippingNationalPrefix(_ national: String, rules: PhoneRegion) -> String {
        guard let stripped = rules.nationalPrefix?.strippingPrefix(of: national) else { return national }
        if rules.general.matches(national), !rules.general.matches(stripped) { return national }
        if stripped.count < (rules.lengths.first ?? 0) { return national }
        return stripped
    }
}
