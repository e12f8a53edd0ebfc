import Foundation
import Testing
@testable import AvisoMessaging

// Numbers from every country: libphonenumber's answers for 2,604 numbers of 245 regions, and the
// countries Guatemala's borrowers and their families also use.

private func answer(_ raw: String, _ region: String) -> String {
    do {
        return try PhoneNumberParser.parse(raw, defaultRegion: region).e164
    } catch {
        return "invalid (\(error.reason))"
    }
}

@Suite("phone-vectors-world.tsv")
struct PhoneWorldVectorTests {
    static let url = fixtureURL("phone-vectors-world.tsv")

    @Test func fileHas2604VectorsOver245Regions() {
        let vectors = loadVectors(Self.url)
        #expect(vectors.count == 2604, "could not read \(Self.url.path)")
        #expect(Set(vectors.map(\.defaultRegion)).count == 245)
    }

    /// At least 99 % agree with libphonenumber; every disagreement is printed (and attached to a
    /// failure, should there be too many).
    @Test func agreesWithLibphonenumber() {
        let vectors = loadVectors(Self.url)
        let disagreements = vectors.compactMap { vector -> String? in
            let expected = mexicoMobileTokenExceptions[vector.raw] ?? vector.expected
            let got = answer(vector.raw, vector.defaultRegion)
            let agrees = got == expected || (expected == "invalid" && got.hasPrefix("invalid "))
            return agrees ? nil : "line \(vector.line): region \(vector.defaultRegion) raw \"\(vector.raw)\" expected \(expected) got \(got)"
        }
        let agreement = vectors.isEmpty ? 0 : Double(vectors.count - disagreements.count) / Double(vectors.count)
        print("phone-vectors-world.tsv: \(vectors.count - disagreements.count)/\(vectors.count) agree "
              + "(\(String(format: "%.2f", agreement * 100)) %), \(disagreements.count) disagreements"
              + disagreements.map { "\n  " + $0 }.joined())
        #expect(vectors.count == 2604)
        #expect(agreement >= 0.99, "\(disagreements.count) disagreements:\n\(disagreements.joined(separator: "\n"))")
    }
}

@Suite("Phone numbers of every country")
struct PhoneWorldTests {
    /// The issue's examples: these were refused as `unknown_country_code` and never reminded.
    @Test(arguments: [
        ("+507 6123 4567", "+50761234567", "PA"),  // Panama
        ("+34 612 34 56 78", "+34612345678", "ES"),  // Spain
        ("+57 321 123 4567", "+573211234567", "CO"),  // Colombia
        ("+501 622 1234", "+5016221234", "BZ"),  // Belize
        ("+1 809 234 5678", "+18092345678", "DO"),  // Dominican Republic, a +1 region
        ("00 34 612 345 678", "+34612345678", "ES"),
        ("+44 7400 123456", "+447400123456", "GB"),
    ])
    func numbersFromAbroadCanBeMessaged(_ raw: String, _ e164: String, _ region: String) throws {
        let number = try PhoneNumberParser.parse(raw, defaultRegion: "GT")
        #expect(number.e164 == e164)
        #expect(number.region == region)
        #expect(number.canReceiveMessages, "\(number.lineType)")
        #expect(PhoneNumberParser.cliLine(for: raw, defaultRegion: "GT").valid)
    }

    /// A client's `phone_country_code` may now be any country, as a region or a calling code.
    @Test(arguments: [
        ("6123-4567", "PA", "+50761234567"), ("6123-4567", "507", "+50761234567"),
        ("612 34 56 78", "ES", "+34612345678"), ("321 123 4567", "+57", "+573211234567"),
        ("(601) 234 5678", "CO", "+576012345678"), ("07400 123456", "GB", "+447400123456"),
        ("8 (912) 345-67-89", "RU", "+79123456789"),  // Russia's trunk prefix 8
    ])
    func nationalNumbersOfAnyDefaultCountry(_ raw: String, _ country: String, _ e164: String) throws {
        #expect(try PhoneNumberParser.parse(raw, defaultRegion: country).e164 == e164)
    }

    @Test func cliLinesForAnyCountry() {
        #expect(PhoneNumberParser.cliLine(for: "6123-4567", defaultRegion: "PA") == ("+50761234567\tmobile", true))
        #expect(PhoneNumberParser.cliLine(for: "+34 912 345 678", defaultRegion: "GT") == ("+34912345678\tfixed_line", true))
        #expect(PhoneNumberParser.cliLine(for: "+1 809 234 5678", defaultRegion: "GT") == ("+18092345678\tfixed_line_or_mobile", true))
        #expect(PhoneNumberParser.cliLine(for: "+999 1234", defaultRegion: "GT") == ("invalid\tunknown_country_code", false))
    }

    /// Shared calling codes: the region comes from its leading digits or its plan.
    @Test(arguments: [
        ("+1 876 210 1234", "JM"), ("+1 787 234 5678", "PR"), ("+1 202 555 0123", "US"), ("+1 204 555 0123", "CA"),
        ("+7 701 123 4567", "KZ"), ("+7 912 345 6789", "RU"), ("+44 7624 123456", "IM"), ("+44 7781 123456", "GG"),
        ("+262 639 01 23 45", "YT"), ("+262 692 12 34 56", "RE"), ("+590 690 00 1234", "GP"), ("+358 18 1234567", "AX"),
    ])
    func sharedCallingCodesPickTheRegion(_ raw: String, _ region: String) throws {
        #expect(try PhoneNumberParser.parse(raw, defaultRegion: "GT").region == region)
    }

    /// National prefixes that are rewritten rather than cut, by the metadata's transform.
    @Test(arguments: [
        ("011 15 2345 6789", "AR", "+5491123456789", PhoneLineType.mobile),  // Argentina: 0 area 15 → 9 area
        ("0 15 11 91234 5678", "BR", "+5511912345678", .mobile),  // Brazil: carrier code 15 dropped
        ("460 1234", "AG", "+12684601234", .fixedLine),  // Antigua: seven digits get the area code 268
        ("+52 1 55 1234 5678", "GT", "+525512345678", .fixedLineOrMobile),  // Mexico: our rule, as a transform
    ])
    func nationalPrefixTransforms(_ raw: String, _ country: String, _ e164: String, _ type: PhoneLineType) throws {
        let number = try PhoneNumberParser.parse(raw, defaultRegion: country)
        #expect(number.e164 == e164)
        #expect(number.lineType == type)
    }

    @Test func onlyLinesThatTakeMessagesCanReceiveThem() throws {
        let tollFree = try PhoneNumberParser.parse("+800 1234 5678", defaultRegion: "GT")  // non-geographic
        #expect(tollFree.region == "001")
        #expect(tollFree.lineType == .unknown && !tollFree.canReceiveMessages)
        let premium = try PhoneNumberParser.parse("+34 803 123 456", defaultRegion: "GT")
        #expect(premium.lineType == .unknown && !premium.canReceiveMessages)
        let fixed = try PhoneNumberParser.parse("+507 223 4567", defaultRegion: "GT")
        #expect(fixed.lineType == .fixedLine && !fixed.canReceiveMessages)
        let either = try PhoneNumberParser.parse("+1 787 234 5678", defaultRegion: "GT")  // Puerto Rico
        #expect(either.lineType == .fixedLineOrMobile && either.canReceiveMessages)
    }

    @Test func regionResolutionCoversTheWorld() {
        #expect(PhoneRegion.resolve("pa")?.callingCode == "507")
        #expect(PhoneRegion.resolve("+507")?.code == "PA")
        #expect(PhoneRegion.resolve("44")?.code == "GB")
        #expect(PhoneRegion.resolve("7")?.code == "RU")
        #expect(PhoneRegion.resolve("800") == nil)  // non-geographic: not a country
        #expect(PhoneRegion.resolve("001") == nil)
    }

    /// Every block of the generated data parses and every pattern compiles: a region left out
    /// would refuse all its numbers.
    @Test func everyRegionLoads() {
        let catalogue = PhoneMetadataCatalogue.shared
        let all = PhoneRegion.all
        #expect(all.count == 245)
        #expect(catalogue.geographicRegionCodes.count == 245)
        for code in ["800", "808", "870", "878", "881", "882", "883", "888", "979"] {
            #expect(catalogue.region(code: "001", callingCode: code) != nil, "+\(code)")
        }
        for region in all {
            #expect(catalogue.regionCodes(callingCode: region.callingCode).contains(region.code), "\(region.code)")
        }
        #expect(PhoneRegion.regions(callingCode: "1").count == 25)
        #expect(PhoneRegion.regions(callingCode: "1").first?.code == "US")
    }

    /// A region is parsed and compiled on first use, once; the others are left alone.
    @Test func regionsLoadLazilyAndOnce() throws {
        let catalogue = PhoneMetadataCatalogue(text: GeneratedPhoneMetadata.text)
        #expect(catalogue.loadedCount == 0)
        let first = try #require(catalogue.region(code: "PA"))
        _ = catalogue.region(code: "PA")
        #expect(catalogue.loadedCount == 1)
        #expect(first.callingCode == "507" && first.internationalPrefix?.source == "00")
        _ = catalogue.region(code: "001", callingCode: "800")
        #expect(catalogue.loadedCount == 2)
        #expect(catalogue.region(code: "ZZ") == nil && catalogue.region(code: "001") == nil)
        #expect(catalogue.loadedCount == 2)
    }

    /// Regions are loaded and compiled once, from many tasks at once.
    @Test func parsingFromManyTasksAtOnceAgrees() async {
        let inputs = [("+507 6123 4567", "GT"), ("612 34 56 78", "ES"), ("+1 876 210 1234", "US"), ("+7 701 123 4567", "RU"),
                      ("+44 7624 123456", "GB"), ("5555 1234", "GT"), ("+81 90 1234 5678", "JP"), ("+61 412 345 678", "AU")]
        let expected = inputs.map { answer($0.0, $0.1) }
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { inputs.map { answer($0.0, $0.1) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 == expected })
        #expect(expected.allSatisfy { $0.hasPrefix("+") }, "\(expected)")
    }
}
