import AvisoFakeProviders
@testable import AvisoMessaging
import AvisoProjections
import Foundation
import Testing

/// Borrowers abroad are reminded: their numbers go through the one send path instead of being
/// recorded as `IgnoredInvalidPhone(unknown_country_code)`.
@Suite struct PhoneSendPathTests {
    @Test(arguments: [("+507 6123 4567", "+50761234567"), ("+34 612 34 56 78", "+34612345678"), ("+57 321 123 4567", "+573211234567")])
    func numbersFromOtherCountriesAreSentTo(phone: String, e164: String) async throws {
        try await withFakeWhatsApp { wa in
            let store = try AvisoStore(directory: makeDataDirectory())
            defer { store.close() }
            let report = try await SendPathTests.sender(SendPathTests.whatsappEnv(wa), store: store)
                .send(SendPathTests.request(phone: phone))
            #expect(report.sentCount == 1)
            #expect(await wa.requests().count == 1)
            let row = try #require(try SendPathTests.log(store).first)
            #expect(row.status != "ignored_invalid_phone" && row.toE164 == e164)
            #expect(!(try SendPathTests.types(store)).contains("IgnoredInvalidPhone"))
        }
    }

    @Test func otherValidLinesAreIgnoredInPlainWords() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        // A Spanish premium-rate number is valid, but no SMS or WhatsApp reaches it.
        let report = try await SendPathTests.sender([:], store: store).send(SendPathTests.request(phone: "+34 803 123 456"))
        #expect(report.outcomes == [.ignoredInvalidPhone(reason: "not_mobile")])
        #expect(try SendPathTests.types(store) == ["IgnoredInvalidPhone"])
    }
}
