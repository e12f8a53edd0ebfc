@testable import AvisoLedger
import Foundation
import Testing

/// Date flags (`--now`, `--since`, `--until`) are parsed strictly: nothing rolls over.
@Suite struct StrictInstantTests {
    @Test(arguments: [
        "2026-12-01T25:61:00Z", "2026-12-01T24:00:00Z", "2026-12-01T23:60:00Z", "2026-12-01T23:59:60Z",
        "2026-02-29T10:00:00Z", "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-00-10T10:00:00Z",
        "2026-12-00T10:00:00Z", "2026-04-31T10:00:00Z", "2026-12-01T10:00:00", "2026-12-01T10:00:00+15:00",
        "2026-12-01T10:00:00-06:60", "2026-12-01T10:00Z", "2026-12-01 10:00:00Z", "2026-12-01T10:00:00Zjunk",
        "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00.1234567890Z", "+2026-12-01T10:00:00Z", "-4712-01-01T12:00:00Z",
        "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "２０２６-12-01T10:00:00Z", "", "now",
        "2026-12-01",
    ])
    func hostileInstantsAreRefused(text: String) {
        #expect(throws: StrictInstant.Invalid.self) { try StrictInstant.parse(text) }
    }

    @Test func theMessageSaysWhatIsWrong() {
        #expect(throws: StrictInstant.Invalid(text: "2026-12-01T25:61:00Z", reason: "there is no hour 25")) {
            try StrictInstant.parse("2026-12-01T25:61:00Z")
        }
    }

    @Test(arguments: [
        ("2026-12-01T15:00:00Z", 1_796_137_200.0), ("2026-12-01T09:00:00-06:00", 1_796_137_200.0),
        ("2026-12-01T20:30:00+05:30", 1_796_137_200.0), ("2026-12-01T15:00:00.250Z", 1_796_137_200.25),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0), ("1970-01-01T00:00:00Z", 0.0), ("2199-12-31T23:59:59Z", 7_258_118_399.0),
    ])
    func validInstantsGiveTheirInstant(text: String, seconds: Double) throws {
        #expect(try StrictInstant.parse(text).timeIntervalSince1970 == seconds)
    }

    @Test func aDayAloneIsMidnightUTCWhereAllowed() throws {
        #expect(try StrictInstant.parse("2026-12-01", allowDay: true) == Timestamps.parseUTC("2026-12-01T00:00:00Z"))
        #expect(throws: StrictInstant.Invalid.self) { try StrictInstant.parse("2026-02-30", allowDay: true) }
    }
}
