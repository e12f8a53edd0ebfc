import Foundation
import Testing
@testable import AvisoMessaging

/// SMS that cost one part: the shipped SMS texts and the values filled into them end up GSM-7.
@Suite struct GSM7TransliterationTests {
    @Test func accentsGSM7LacksAreFoldedAndTheOnesItHasAreKept() {
        #expect(GSM7Transliteration.apply("sábado Ángel día Cómo Úrsula ÍÓ") == "sabado Angel dia Como Ursula IO")
        #expect(GSM7Transliteration.apply("¿Señor Núñez? ¡Pingüino! É é ü Ü Ñ ñ à è ù ì ò Ä Ö") == "¿Señor Nuñez? ¡Pingüino! É é ü Ü Ñ ñ à è ù ì ò Ä Ö")
        #expect(GSM7Transliteration.apply("“Hola” ‘ya’ – 5 … fin «no»") == "\"Hola\" 'ya' - 5 ... fin \"no\"")
        #expect(GSM7Transliteration.apply("ç â ô ã\u{00A0}x") == "Ç a o a x")
        // Emoji have no letter: dropped, without leaving a double space.
        #expect(GSM7Transliteration.apply("Gracias 🙂 por pagar 👍🏽") == "Gracias por pagar")
        #expect(GSM7Transliteration.apply("中") == "?")
        // Decomposed input (a + combining acute) is folded like the precomposed form.
        #expect(GSM7Transliteration.apply("sa\u{0301}bado e\u{0301}") == "sabado é")
        for text in ["sábado Ángel día 🙂 “x” – … ç", "Mónica Alejandra Quiej", "Lucía Fernanda Ramírez"] {
            #expect(SMSEncoding.info(for: GSM7Transliteration.apply(text)).encoding == .gsm7, "\(text)")
        }
    }

    /// Demo-like values with the accents the lender's clients have: "Lucía", "Ángel", "miércoles".
    static let accented = TemplateContext(
        name: "Lucía Fernanda Ramírez", amountMinor: 1_250_000, currency: "GTQ",
        dueDate: CalendarDate(year: 2026, month: 9, day: 30), days: 15, week: 12, installmentNumber: 12,
        overdueInstallments: 3, loanId: "P-1001", advisorName: "Ángel Pérez", paymentLink: "https://pagos.example.gt/c019")

    @Test func everyDefaultSMSIsOneGSM7PartWithTypicalValues() throws {
        let templates = try DefaultTemplates.load(from: DefaultTemplateTests.url).filter { $0.channel == .sms }
        #expect(templates.count == TemplateStage.allCases.count)
        for template in templates {
            // The text itself: no emoji, nothing outside GSM-7 (é, ñ are fine).
            #expect(template.body.allSatisfy(SMSEncoding.isGSM7), "\(template.stage.rawValue): \(template.body)")
            var typical = Self.accented
            // VARIAS_CUOTAS lists the installments it replaces: two of them may take two parts,
            // never more than the two separate messages it stands for.
            var parts = 1
            if template.stage == .combined {
                typical.installments = [
                    InstallmentLine(number: 11, loanId: "P-1001", amount: CurrencyAmount(currency: "GTQ", minorUnits: 1_250_000),
                                    dueDate: CalendarDate(year: 2026, month: 9, day: 15)!, daysFromDue: 15),
                    InstallmentLine(number: 12, loanId: "P-1001", amount: CurrencyAmount(currency: "GTQ", minorUnits: 1_250_000),
                                    dueDate: CalendarDate(year: 2026, month: 9, day: 30)!, daysFromDue: 0),
                ]
                parts = 2
            }
            var noLink = typical
            noLink.paymentLink = nil
            for context in [typical, noLink] {
                let message = try TemplateRenderer.render(template, context: context)
                #expect(message.sms.encoding == .gsm7, "\(template.stage.rawValue): \(message.text)")
                #expect(message.sms.segments <= parts, "\(template.stage.rawValue): \(message.sms.units) septets: \(message.text)")
                #expect(message.sms.costFactor <= Double(parts))
            }
        }
    }

    @Test func theSettingOffKeepsTheTextAsWritten() throws {
        let template = MessageTemplate(stage: .d0, channel: .sms, body: "Hola {{nombre}}, hoy vence su cuota.")
        var context = Self.accented
        #expect(try TemplateRenderer.render(template, context: context).text == "Hola Lucia Fernanda Ramirez, hoy vence su cuota.")
        context.transliteratesSMS = false
        let raw = try TemplateRenderer.render(template, context: context)
        #expect(raw.text == "Hola Lucía Fernanda Ramírez, hoy vence su cuota.")
        #expect(raw.sms.encoding == .ucs2)
        // WhatsApp is never folded: it is not billed by the part.
        let whatsapp = MessageTemplate(stage: .test, channel: .whatsapp, body: "Hola {{nombre}}",
                                       whatsapp: WhatsAppTemplateRef(name: "mensaje_prueba", language: "es", parameters: ["nombre"]))
        #expect(try TemplateRenderer.render(whatsapp, context: Self.accented).text == "Hola Lucía Fernanda Ramírez")
    }

    @Test func costFactorIsPartsTimesTheChannelFactor() {
        #expect(SMSEncoding.info(for: String(repeating: "a", count: 160)).costFactor == 1)
        #expect(SMSEncoding.info(for: String(repeating: "á", count: 71)).costFactor == 2)
        #expect(SMSEncoding.info(for: String(repeating: "á", count: 135)).costFactor == 3)
    }
}
