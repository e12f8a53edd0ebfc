import Foundation

/// Turns what people type into a valid E.164 number with its line type, following
/// libphonenumber's `parse` + `is_valid_number` over its metadata for every region
/// (`GeneratedPhoneMetadata.swift`). Stricter than libphonenumber on input: letters,
/// extensions and other text are refused rather than skipped.
public enum PhoneNumberParser {
    /// Parses `raw` as typed by staff or a client. Numbers written with `+`, the default
    /// region's international prefix (`00` in Central America) or its calling code carry their
    /// own country code; others are read as numbers of `defaultRegion` (a region code like `GT`
    /// or a calling code like `502` / `+503`).
    public static func parse(_ raw: String, defaultRegion: String = "GT") throws(PhoneNumberError) -> PhoneNumber {
        guard let home = PhoneRegion.resolve(defaultRegion) else { throw .unknownDefaultRegion }
        let (hasPlus, digits) = try digits(of: raw)
        guard digits.count >= minimumNationalLength else { throw .tooShort }

        // Parsing rules come from the default region for its own numbers, else from the main
        // region of the calling code (the regions sharing a code share these rules).
        let callingCode: String
        var national: String
        let rules: PhoneRegion
        if let (code, rest) = try callingCodeWritten(hasPlus: hasPlus, digits: digits, home: home) {
            guard let main = catalogue.mainRegion(callingCode: code) else { throw .unknownCountryCode }
            (callingCode, national, rules) = (code, rest, main)
        } else {
            (callingCode, national, rules) = (home.callingCode, digits, home)
        }
        guard national.count >= minimumNationalLength else { throw .tooShort }

        // A trunk prefix or carrier code goes only when what is left still has a possible length.
        let stripped = strippingNationalPrefix(national, rules: rules)
        switch rules.lengthCheck(stripped) {
        case .tooShort, .localOnly, .invalidLength: break
        case .possible, .tooLong: national = stripped
        }
        guard national.count <= maximumNationalLength else { throw .tooLong }

        let region = region(of: national, callingCode: callingCode)
        guard let region, let lineType = region.lineType(of: national) else {
            throw reason(for: national, in: region ?? rules)
        }
        return PhoneNumber(region: region.code, callingCode: callingCode, nationalNumber: national, lineType: lineType)
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

    private static var catalogue: PhoneMetadataCatalogue { .shared }
    /// libphonenumber's bounds for a national significant number.
    private static let minimumNationalLength = 2
    private static let maximumNationalLength = 17

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

    /// The calling code the number was written with, and the rest; nil when it is written as a
    /// national number of the default region. After `+`, libphonenumber also accepts the default
    /// region's international prefix (`+00 502 …`).
    private static func callingCodeWritten(hasPlus: Bool, digits: String, home: PhoneRegion)
        throws(PhoneNumberError) -> (String, String)? {
        do {
            return try callingCodeWritten(international: hasPlus, digits: digits, home: home)
        } catch where error == .unknownCountryCode && hasPlus {
            guard let written = try callingCodeWritten(international: false, digits: digits, home: home) else {
                throw .unknownCountryCode
            }
            return written
        }
    }

    private static func callingCodeWritten(international: Bool, digits: String, home: PhoneRegion)
        throws(PhoneNumberError) -> (String, String)? {
        var international = international
        var full = digits
        // No calling code starts with 0, so an international prefix followed by 0 is not one.
        if !international, let rest = home.internationalPrefix?.prefixMatch(digits)?.rest, !rest.hasPrefix("0") {
            (international, full) = (true, rest)
        }
        if international {
            guard full.count > minimumNationalLength else { throw .tooShort }
            // Calling codes are prefix-free and at most three digits.
            for length in 1...min(3, full.count) where catalogue.isCallingCode(full.prefix(length)) {
                return (String(full.prefix(length)), String(full.dropFirst(length)))
            }
            throw .unknownCountryCode
        }
        // `50255551234` typed in Guatemala is `502` + `55551234`: strip the default region's
        // calling code when the digits do not fit the plan as they are but do without it, or are
        // too long for it.
        guard full.hasPrefix(home.callingCode) else { return nil }
        let rest = strippingNationalPrefix(String(full.dropFirst(home.callingCode.count)), rules: home)
        let fitsOnlyWithout = !home.general.pattern.matches(full) && home.general.pattern.matches(rest)
        return fitsOnlyWithout || home.lengthCheck(full) == .tooLong ? (home.callingCode, rest) : nil
    }

    /// Drops (or rewrites, with the region's transform) a trunk prefix or carrier code: US `1`,
    /// Costa Rica `19xx`, Argentina's `0 … 15` (→ `9 …`), Mexico's `1` after `+52`. Kept when
    /// the number fits the plan as written and would not without it.
    private static func strippingNationalPrefix(_ national: String, rules: PhoneRegion) -> String {
        guard let match = rules.nationalPrefixForParsing?.prefixMatch(national, template: rules.nationalPrefixTransform)
        else { return national }
        let result = match.rewritten ?? match.rest
        if rules.general.pattern.matches(national), !rules.general.pattern.matches(result) { return national }
        return result
    }

    /// The region a national number belongs to: the only one of its calling code, or among
    /// regions sharing it (+1, +7, +44…) the first whose leading digits or plan fit.
    private static func region(of national: String, callingCode: String) -> PhoneRegion? {
        let codes = catalogue.regionCodes(callingCode: callingCode)
        if codes.count == 1 { return catalogue.region(code: codes[0], callingCode: callingCode) }
        for code in codes {
            guard let region = catalogue.region(code: code, callingCode: callingCode) else { continue }
            if let leadingDigits = region.leadingDigits {
                if leadingDigits.matches(national) { return region }
            } else if region.lineType(of: national) != nil {
                return region
            }
        }
        return nil
    }

    /// Why a number is not valid in `region`, as precisely as its length tells.
    private static func reason(for national: String, in region: PhoneRegion) -> PhoneNumberError {
        switch region.lengthCheck(national) {
        case .tooShort: .tooShort
        case .tooLong: .tooLong
        case .invalidLength: .invalidLength
        case .localOnly: .missingAreaCode
        case .possible: .invalidForRegion
        }
    }
}
