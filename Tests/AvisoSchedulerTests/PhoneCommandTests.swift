import AvisoTestSupport
import Foundation
import Testing

/// `aviso phone` as staff run it: any country, one line per input, exit 1 when one is invalid.
@Suite struct PhoneCommandTests {
    func run(_ arguments: [String]) throws -> (output: String, status: Int32) {
        let (process, out, _) = try avisoProcess(["phone"] + arguments)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    @Test func numbersOfAnyCountry() throws {
        let (output, status) = try run(["+507 6123 4567", "+34 912 345 678", "5555-1234", "+1 809 234 5678"])
        #expect(output == "+50761234567\tmobile\n+34912345678\tfixed_line\n+50255551234\tmobile\n+18092345678\tfixed_line_or_mobile\n")
        #expect(status == 0)
    }

    @Test func defaultCountryAnywhereAndInvalidLines() throws {
        let (output, status) = try run(["--country", "CO", "321 123 4567", "+999 123 4567"])
        #expect(output == "+573211234567\tmobile\ninvalid\tunknown_country_code\n")
        #expect(status == 1)
    }
}
