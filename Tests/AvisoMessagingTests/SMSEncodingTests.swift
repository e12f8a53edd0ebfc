import Testing
@testable import AvisoMessaging

@Suite struct SMSEncodingTests {
    private func text(_ count: Int, _ character: String = "a") -> String { String(repeating: character, count: count) }

    @Test func gsmBasicTableIsComplete() {
        // 128 code points minus the escape character.
        #expect(SMSEncoding.basic.count == 127)
        #expect(SMSEncoding.extended.count == 10)
    }

    @Test func spanishLettersInGSM7() {
        #expect(SMSEncoding.info(for: "¿Mañana? ¡Ñoño! é É ü Ü Ç @$£").encoding == .gsm7)
        #expect(SMSEncoding.info(for: "ç").encoding == .ucs2) // only the capital Ç is in the table
        #expect(SMSEncoding.info(for: "¡Sí señor!").encoding == .ucs2) // í is not
    }

    @Test func nTildeStaysGSMAndAcuteAForcesUCS2() {
        let ene = SMSEncoding.info(for: "Señor Nuñez")
        #expect(ene.encoding == .gsm7)
        #expect(ene.units == 11)
        let accented = SMSEncoding.info(for: "Pagó en línea")
        #expect(accented.encoding == .ucs2)
        #expect(accented.units == 13)
        #expect(SMSEncoding.info(for: "sábado").encoding == .ucs2)
    }

    @Test func extensionCharactersCountTwo() {
        let info = SMSEncoding.info(for: "Q10 o 5€ [x]")
        #expect(info.encoding == .gsm7)
        #expect(info.characters == 12)
        #expect(info.units == 15)
    }

    @Test(arguments: [(160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
    func gsmSegments(length: Int, segments: Int) {
        let info = SMSEncoding.info(for: text(length))
        #expect(info.encoding == .gsm7)
        #expect(info.units == length)
        #expect(info.segments == segments)
    }

    @Test(arguments: [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
    func ucs2Segments(length: Int, segments: Int) {
        let info = SMSEncoding.info(for: "á" + text(length - 1))
        #expect(info.encoding == .ucs2)
        #expect(info.units == length)
        #expect(info.segments == segments)
    }

    @Test func escapePairIsNotSplitAcrossSegments() {
        // 306 septets would fit in 2 parts, but `€` straddles the 153rd septet.
        let info = SMSEncoding.info(for: text(152) + "€" + text(152))
        #expect(info.units == 306)
        #expect(info.segments == 3)
        #expect(SMSEncoding.info(for: text(151) + "€" + text(153)).segments == 2)
        // A single part may hold an escape as its last two septets.
        #expect(SMSEncoding.info(for: text(158) + "€").segments == 1)
        #expect(SMSEncoding.info(for: text(159) + "€").segments == 2)
    }

    @Test func surrogatePairIsNotSplitAcrossSegments() {
        let info = SMSEncoding.info(for: text(66) + "😀" + text(66))
        #expect(info.encoding == .ucs2)
        #expect(info.units == 134)
        #expect(info.characters == 133)
        #expect(info.segments == 3)
    }

    @Test func emptyTextHasNoSegments() {
        #expect(SMSEncoding.info(for: "") == SMSInfo(characters: 0, encoding: .gsm7, units: 0, segments: 0))
        #expect(SMSEncoding.info(for: " ").segments == 1)
    }

    @Test func encodingRawValues() {
        #expect(SMSInfo.Encoding.gsm7.rawValue == "GSM-7")
        #expect(SMSInfo.Encoding.ucs2.rawValue == "UCS-2")
    }
}
