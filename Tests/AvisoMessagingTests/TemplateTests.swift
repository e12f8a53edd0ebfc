import Foundation
import Testing
@testable import AvisoMessaging

private func sms(_ stage: TemplateStage, _ body: String) -> MessageTemplate {
    MessageTemplate(stage: stage, channel: .sms, body: body)
}

private func whatsapp(_ stage: TemplateStage, _ body: String, _ parameters: [String]) -> MessageTemplate {
    MessageTemplate(stage: stage, channel: .whatsapp, body: body,
                    whatsapp: WhatsAppTemplateRef(name: "recordatorio_prueba", language: "es", parameters: parameters))
}

private let fullContext: TemplateContext = {
    var context = TemplateContext(
        name: "Ana López", amountMinor: 125_000, currency: "GTQ",
        dueDate: CalendarDate(year: 2026, month: 1, day: 5), days: 3, week: 2, installmentNumber: 4,
        overdueInstallments: 2, loanId: "PR-1042", advisorName: "Carlos Pérez", paymentLink: "https://pagos.example.gt/p/abc123",
        installments: [
            InstallmentLine(number: 3, loanId: "PR-1042", amount: CurrencyAmount(currency: "GTQ", minorUnits: 125_000),
                            dueDate: CalendarDate(year: 2026, month: 1, day: 2)!, daysFromDue: 3),
            InstallmentLine(number: 4, loanId: "PR-1042", amount: CurrencyAmount(currency: "GTQ", minorUnits: 125_000),
                            dueDate: CalendarDate(year: 2026, month: 1, day: 7)!, daysFromDue: -2),
        ]
    )
    // These tests are about filling in; folding an SMS to GSM-7 has its own (GSM7TransliterationTests).
    context.transliteratesSMS = false
    return context
}()

/// The `TemplateError` thrown by `body`, nil if it succeeds.
private func error(_ body: () throws -> Void) -> TemplateError? {
    do {
        try body()
        return nil
    } catch let error as TemplateError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite struct TemplateTests {
    @Test func rendersEveryVariable() throws {
        let template = sms(.dPlus3, "Hola {{nombre}}: cuota {{cuota}} del préstamo {{prestamo}}, {{monto}}, vencida el {{fecha_vencimiento}} ({{dias}} días). Asesor: {{asesor}}. {{link_pago}}")
        let message = try TemplateRenderer.render(template, context: fullContext)
        #expect(message.text == "Hola Ana López: cuota 4 del préstamo PR-1042, Q1,250.00, vencida el lunes 5 de enero de 2026 (3 días). Asesor: Carlos Pérez. https://pagos.example.gt/p/abc123")
        #expect(message.variables["monto"] == "Q1,250.00")
        #expect(message.variables["fecha_vencimiento"] == "lunes 5 de enero de 2026")
        #expect(message.variables["semana"] == nil) // not used
        #expect(message.whatsappParameters == nil)
        #expect(message.sms.encoding == .ucs2)
    }

    @Test func weeklyAndOverdueSummaryVariables() throws {
        let weekly = try TemplateRenderer.render(sms(.weekly, "Semana {{semana}}, {{dias}} días"), context: fullContext)
        #expect(weekly.text == "Semana 2, 3 días")
        let summary = try TemplateRenderer.render(
            sms(.reactivateOverdue, "{{cuotas_vencidas}} cuotas, total {{monto}}, desde el {{fecha_vencimiento}}"), context: fullContext)
        #expect(summary.text == "2 cuotas, total Q1,250.00, desde el lunes 5 de enero de 2026")
    }

    @Test func unknownVariableIsRefusedByName() throws {
        let refused = try #require(error { try TemplateRenderer.validate(sms(.d0, "Su saldo es {{saldo}}")) })
        #expect(refused == .unknownVariable(name: "saldo", stage: .d0))
        #expect(refused.description.hasPrefix("La variable {{saldo}} no existe. Variables disponibles: {{nombre}}, {{monto}}"))
        // However it is written.
        for body in ["{{{saldo}}}", "{{& saldo}}", "{{#saldo}}x{{/saldo}}", "{{^ saldo }}x{{/saldo}}"] {
            #expect(error { try TemplateRenderer.validate(sms(.d0, "Hola " + body)) } == .unknownVariable(name: "saldo", stage: .d0))
        }
    }

    @Test func variableNotOfferedForStageIsRefused() throws {
        let refused = try #require(error { try TemplateRenderer.validate(sms(.dMinus2, "Semana {{semana}}")) })
        #expect(refused == .variableNotOffered(name: "semana", stage: .dMinus2))
        #expect(refused.description.contains("{{semana}}"))
        #expect(refused.description.contains("D-2"))
        #expect(!refused.description.contains("{{semana}},"))
        #expect(error { try TemplateRenderer.validate(sms(.d0, "En {{dias}} días")) } == .variableNotOffered(name: "dias", stage: .d0))
        #expect(error { try TemplateRenderer.validate(sms(.test, "{{monto}}")) } == .variableNotOffered(name: "monto", stage: .test))
        #expect(error { try TemplateRenderer.validate(sms(.weekly, "{{cuotas_vencidas}}")) } == .variableNotOffered(name: "cuotas_vencidas", stage: .weekly))
    }

    @Test func acceptedTagForms() throws {
        try TemplateRenderer.validate(sms(.d0, "{{! nota interna }}Hola {{ nombre }}, {{{monto}}} {{&cuota}}{{#asesor}} ({{asesor}}){{/asesor}}"))
        let message = try TemplateRenderer.render(sms(.d0, "{{! nota }}Hola {{{nombre}}} / {{& nombre}}"), context: fullContext)
        #expect(message.text == "Hola Ana López / Ana López")
    }

    @Test func malformedTemplatesAreRefused() {
        #expect(error { try TemplateRenderer.validate(sms(.d0, "Hola\n  {{nombre")) } ==
            .syntax(line: 2, column: 3, detail: "la etiqueta que empieza aquí no se cierra con }}."))
        let unclosed = error { try TemplateRenderer.validate(sms(.d0, "Hola {{#link_pago}}pague: {{link_pago}}")) }
        #expect(unclosed?.description == "Error de formato en la línea 1, columna 6: la sección {{#link_pago}} no se cierra: falta {{/link_pago}}.")
        for body in ["Hola {{#link_pago}}x{{/nombre}}", "Hola {{/link_pago}}", "Hola {{}}", "Hola {{nombre}", "Hola {{{nombre}}"] {
            guard case .syntax = error({ try TemplateRenderer.validate(sms(.d0, body)) }) else {
                Issue.record("\(body) should be a syntax error")
                continue
            }
        }
    }

    @Test func exoticMustacheIsRefused() {
        for tag in ["{{> pie}}", "{{=<% %>=}}", "{{%CONTENT_TYPE:HTML}}", "{{$bloque}}x{{/bloque}}", "{{<padre}}{{/padre}}"] {
            guard case .unsupportedTag = error({ try TemplateRenderer.validate(sms(.d0, "Hola " + tag)) }) else {
                Issue.record("\(tag) should be refused")
                continue
            }
        }
    }

    @Test func emptyBodiesAreRefused() {
        for body in ["", "  \n\r\n", "{{! solo un comentario }}", "{{#link_pago}}{{link_pago}}{{/link_pago}}"] {
            #expect(error { try TemplateRenderer.validate(sms(.d0, body)) } == .emptyBody)
        }
    }

    @Test func missingValueIsARenderErrorNamingIt() throws {
        var context = fullContext
        context.advisorName = "  "
        context.installmentNumber = nil
        let refused = try #require(error { _ = try TemplateRenderer.render(sms(.d0, "Cuota {{cuota}}, asesor {{asesor}} y {{asesor}}"), context: context) })
        #expect(refused == .missingValues(names: ["cuota", "asesor"], stage: .d0))
        #expect(refused.description == "Faltan los valores de {{cuota}}, {{asesor}} para el mensaje de la etapa D0.")
        // A missing WhatsApp parameter is just as fatal, even if the body only tests it.
        let template = whatsapp(.d0, "Hola {{nombre}}{{#asesor}}, le atiende {{asesor}}{{/asesor}}", ["nombre", "asesor"])
        #expect(error { _ = try TemplateRenderer.render(template, context: context) } == .missingValues(names: ["asesor"], stage: .d0))
    }

    @Test func invalidValuesAreRefused() {
        var context = fullContext
        context.amountMinor = -100
        #expect(error { _ = try TemplateRenderer.render(sms(.d0, "{{monto}}"), context: context) } ==
            .invalidValue(variable: "monto", reason: FormattingError.negativeAmount(-100).description))
        context.week = 0
        guard case .invalidValue("semana", _) = error({ _ = try TemplateRenderer.render(sms(.weekly, "{{semana}}"), context: context) }) else {
            Issue.record("week 0 must be refused")
            return
        }
    }

    @Test func paymentLinkSectionVanishesOrShows() throws {
        let body = "Hola {{nombre}}.\n{{#link_pago}}\nPague aquí: {{link_pago}}\n{{/link_pago}}\n{{^link_pago}}\nPague en agencia.\n{{/link_pago}}\nGracias."
        let withLink = try TemplateRenderer.render(sms(.d0, body), context: fullContext)
        #expect(withLink.text == "Hola Ana López.\nPague aquí: https://pagos.example.gt/p/abc123\nGracias.")
        #expect(withLink.variables["link_pago"] == "https://pagos.example.gt/p/abc123")

        for link in [nil, "", "   "] {
            var context = fullContext
            context.paymentLink = link
            let without = try TemplateRenderer.render(sms(.d0, body), context: context)
            #expect(without.text == "Hola Ana López.\nPague en agencia.\nGracias.")
            #expect(without.variables["link_pago"] == nil)
        }
    }

    @Test func sectionOnFirstLineStaysStandalone() throws {
        let body = "{{#link_pago}}\nPague: {{link_pago}}\n{{/link_pago}}\nHola {{nombre}}"
        #expect(try TemplateRenderer.render(sms(.d0, body), context: fullContext).text == "Pague: https://pagos.example.gt/p/abc123\nHola Ana López")
        var context = fullContext
        context.paymentLink = nil
        #expect(try TemplateRenderer.render(sms(.d0, body), context: context).text == "Hola Ana López")
    }

    @Test func outputIsNotHTMLEscaped() throws {
        var context = fullContext
        context.name = "Tom & Jerry <\"Los 'Primos'\">"
        context.paymentLink = "https://pagos.example.gt/p?a=1&b=2"
        let message = try TemplateRenderer.render(sms(.d0, "{{nombre}} & {{{nombre}}}: {{link_pago}}{{#link_pago}} <{{link_pago}}>{{/link_pago}}"), context: context)
        #expect(message.text == "Tom & Jerry <\"Los 'Primos'\"> & Tom & Jerry <\"Los 'Primos'\">: https://pagos.example.gt/p?a=1&b=2 <https://pagos.example.gt/p?a=1&b=2>")
    }

    @Test func valuesAreNotReinterpretedAsTemplates() throws {
        var context = fullContext
        context.name = "{{monto}}"
        #expect(try TemplateRenderer.render(sms(.d0, "Hola {{nombre}}"), context: context).text == "Hola {{monto}}")
    }

    @Test func windowsNewlinesAreNormalised() throws {
        let message = try TemplateRenderer.render(sms(.d0, "Hola {{nombre}},\r\n{{#link_pago}}\r\n{{link_pago}}\r\n{{/link_pago}}\r\nGracias.\r\n"), context: fullContext)
        #expect(message.text == "Hola Ana López,\nhttps://pagos.example.gt/p/abc123\nGracias.")
    }

    @Test func whatsappParametersFollowTheParameterList() throws {
        let template = whatsapp(.dMinus2, "Hola {{nombre}}, su cuota de {{monto}} vence el {{fecha_vencimiento}}.", ["fecha_vencimiento", "nombre", "monto"])
        let message = try TemplateRenderer.render(template, context: fullContext)
        #expect(message.whatsappParameters == ["lunes 5 de enero de 2026", "Ana López", "Q1,250.00"])
        #expect(message.text == "Hola Ana López, su cuota de Q1,250.00 vence el lunes 5 de enero de 2026.")
    }

    @Test func whatsappReferenceIsChecked() {
        #expect(error { try TemplateRenderer.validate(MessageTemplate(stage: .d0, channel: .whatsapp, body: "Hola")) } == .whatsappReferenceMissing)
        #expect(error { try TemplateRenderer.validate(MessageTemplate(stage: .d0, channel: .sms, body: "Hola",
            whatsapp: WhatsAppTemplateRef(name: "x", language: "es", parameters: []))) } == .whatsappReferenceNotAllowed)
        #expect(error { try TemplateRenderer.validate(whatsapp(.d0, "Hola {{nombre}}", ["saldo"])) } ==
            .invalidWhatsAppParameter(name: "saldo", stage: .d0))
        #expect(error { try TemplateRenderer.validate(whatsapp(.d0, "Hola {{nombre}}", ["semana"])) } ==
            .invalidWhatsAppParameter(name: "semana", stage: .d0))
        guard case .invalidWhatsAppReference = error({ try TemplateRenderer.validate(whatsapp(.d0, "Hola {{nombre}}", ["monto"])) }) else {
            Issue.record("a parameter absent from the body must be refused")
            return
        }
        var badName = whatsapp(.d0, "Hola {{nombre}}", ["nombre"])
        badName.whatsapp?.name = "Recordatorio Pago"
        guard case .invalidWhatsAppReference = error({ try TemplateRenderer.validate(badName) }) else {
            Issue.record("a name Meta would reject must be refused")
            return
        }
    }

    @Test func schedulerStageNames() {
        #expect(TemplateStage.resolve(schedulerStage: "WEEKLY_3")! == (TemplateStage.weekly, 3))
        #expect(TemplateStage.resolve(schedulerStage: "D-2")! == (TemplateStage.dMinus2, nil))
        #expect(TemplateStage.resolve(schedulerStage: "D+3")! == (TemplateStage.dPlus3, nil))
        #expect(TemplateStage.resolve(schedulerStage: "REACTIVATE_OVERDUE")! == (TemplateStage.reactivateOverdue, nil))
        for bad in ["WEEKLY", "WEEKLY_0", "WEEKLY_", "WEEKLY_x", "WEEKLY_-1", "WEEKLY_+3", "D-3", "d-2", ""] {
            #expect(TemplateStage.resolve(schedulerStage: bad) == nil, "\(bad)")
        }
    }

    @Test func everyVariableIsOfferedSomewhereAndExplained() {
        for variable in TemplateVariable.allCases {
            #expect(!variable.stages.isEmpty)
            #expect(variable.explanation.hasSuffix("."))
        }
        #expect(TemplateVariable.offered(in: .test) == [.nombre])
        #expect(TemplateVariable.offered(in: .weekly).contains(.semana))
    }
}

@Suite struct DefaultTemplateTests {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/templates/defaults.json")

    @Test func shippedDefaultsLoadAndRender() throws {
        let templates = try DefaultTemplates.load(from: Self.url)
        #expect(templates.count == TemplateStage.allCases.count * Channel.allCases.count)
        // A GSM-friendly client and a typical one with accents.
        var plain = fullContext
        plain.name = "Maria Perez"
        for template in templates {
            let message = try TemplateRenderer.render(template, context: fullContext)
            #expect(!message.text.contains("{{"))
            #expect(message.text.contains("Ana López"))
            if template.channel == .whatsapp {
                #expect(message.whatsappParameters?.count == template.whatsapp?.parameters.count)
            } else {
                let gsm = try TemplateRenderer.render(template, context: plain)
                #expect(gsm.sms.encoding == .gsm7, "\(template.stage.rawValue): \(gsm.text)")
                #expect(gsm.sms.segments <= 2, "\(template.stage.rawValue): \(gsm.sms)")
                #expect(message.sms.segments <= 3, "\(template.stage.rawValue): \(message.sms)")
            }
            var noLink = fullContext
            noLink.paymentLink = nil
            #expect(try !TemplateRenderer.render(template, context: noLink).text.contains("https://"))
        }
    }

    @Test func incompleteOrDuplicatedSetsAreRefused() throws {
        let templates = try DefaultTemplates.load(from: Self.url)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-defaults-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }

        try JSONEncoder().encode(Array(templates.dropLast())).write(to: file)
        #expect(throws: DefaultTemplatesError.self) { try DefaultTemplates.load(from: file) }
        try JSONEncoder().encode(templates + [templates[0]]).write(to: file)
        #expect(throws: DefaultTemplatesError.duplicate(stage: templates[0].stage, channel: templates[0].channel)) {
            try DefaultTemplates.load(from: file)
        }
        var broken = templates
        broken[1].body = "Hola {{saldo}}"
        try JSONEncoder().encode(broken).write(to: file)
        #expect(throws: DefaultTemplatesError.invalid(stage: broken[1].stage, channel: broken[1].channel,
                                                      .unknownVariable(name: "saldo", stage: broken[1].stage))) {
            try DefaultTemplates.load(from: file)
        }
    }
}
