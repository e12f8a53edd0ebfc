import Testing
@testable import AvisoMessaging

@Suite struct SpanishFormattingTests {
    @Test(arguments: [
        (Int64(0), "Q0.00"), (550, "Q5.50"), (5, "Q0.05"), (99_999, "Q999.99"), (100_000, "Q1,000.00"),
        (125_000, "Q1,250.00"), (123_456_789, "Q1,234,567.89"), (Int64.max, "Q92,233,720,368,547,758.07"),
    ])
    func quetzales(minor: Int64, expected: String) throws {
        #expect(try SpanishFormatting.money(minorUnits: minor, currency: "GTQ") == expected)
    }

    @Test func otherCurrencies() throws {
        #expect(try SpanishFormatting.money(minorUnits: 125_000, currency: "USD") == "US$1,250.00")
        #expect(try SpanishFormatting.money(minorUnits: 125_000, currency: "EUR") == "EUR 1,250.00")
        #expect(try SpanishFormatting.money(minorUnits: 125_000, currency: "MXN") == "MXN 1,250.00")
        #expect(try SpanishFormatting.money(minorUnits: 1_250, currency: "JPY") == "JPY 1,250")
        #expect(try SpanishFormatting.money(minorUnits: 1_250_500, currency: "KWD") == "KWD 1,250.500")
        #expect(try SpanishFormatting.money(minorUnits: 125_000, currency: "gtq") == "Q1,250.00")
    }

    @Test func refusesNegativeAmountsAndBadCurrencies() {
        #expect(throws: FormattingError.negativeAmount(-1)) { try SpanishFormatting.money(minorUnits: -1, currency: "GTQ") }
        #expect(throws: FormattingError.invalidCurrency("Q")) { try SpanishFormatting.money(minorUnits: 1, currency: "Q") }
        #expect(throws: FormattingError.invalidCurrency("G1Q")) { try SpanishFormatting.money(minorUnits: 1, currency: "G1Q") }
    }

    @Test func longDates() throws {
        #expect(SpanishFormatting.longDate(try #require(CalendarDate(year: 2026, month: 1, day: 5))) == "lunes 5 de enero de 2026")
        #expect(SpanishFormatting.longDate(try #require(CalendarDate(year: 2028, month: 2, day: 29))) == "martes 29 de febrero de 2028")
        #expect(SpanishFormatting.longDate(try #require(CalendarDate(year: 2000, month: 2, day: 29))) == "martes 29 de febrero de 2000")
        #expect(SpanishFormatting.longDate(try #require(CalendarDate(year: 2026, month: 12, day: 31))) == "jueves 31 de diciembre de 2026")
        #expect(SpanishFormatting.longDate(try #require(CalendarDate(iso: "2026-09-30"))) == "miércoles 30 de septiembre de 2026")
    }

    @Test func everyWeekdayName() throws {
        // 2026-01-04 is a Sunday.
        let names = try (4...10).map { SpanishFormatting.longDate(try #require(CalendarDate(year: 2026, month: 1, day: $0))) }
        #expect(names == [
            "domingo 4 de enero de 2026", "lunes 5 de enero de 2026", "martes 6 de enero de 2026",
            "miércoles 7 de enero de 2026", "jueves 8 de enero de 2026", "viernes 9 de enero de 2026",
            "sábado 10 de enero de 2026",
        ])
    }

    @Test func everyMonthName() throws {
        let months = try (1...12).map { month in
            SpanishFormatting.longDate(try #require(CalendarDate(year: 2026, month: month, day: 1)))
                .split(separator: " ")[3]
        }
        #expect(months == ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                           "septiembre", "octubre", "noviembre", "diciembre"])
    }

    @Test func refusesImpossibleDates() {
        #expect(CalendarDate(year: 2026, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2100, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2026, month: 4, day: 31) == nil)
        #expect(CalendarDate(year: 2026, month: 13, day: 1) == nil)
        #expect(CalendarDate(year: 2026, month: 1, day: 0) == nil)
        #expect(CalendarDate(iso: "2026-1-05") == nil)
        #expect(CalendarDate(iso: "2026-01-05T00:00:00Z") == nil)
        #expect(CalendarDate(iso: "2028-02-29")?.description == "2028-02-29")
    }
}
