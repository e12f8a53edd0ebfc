import ArgumentParser
import AvisoMessaging
import AvisoScheduler
import Foundation

/// `aviso whatsapp sync`: Meta's template catalogue and the number's health, into the ledger.
struct WhatsAppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatsapp",
        abstract: "The WhatsApp Business account as Meta sees it.",
        subcommands: [WhatsAppSyncCommand.self]
    )
}

struct WhatsAppSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Read Meta's template catalogue and the phone number's quality and limit tier; record what changed.",
        discussion: """
            Needs WHATSAPP_TOKEN, WHATSAPP_PHONE_ID and WHATSAPP_BUSINESS_ACCOUNT_ID (WHATSAPP_API_BASE optional). \
            Appends one WhatsAppTemplateSynced per template that is new, changed or gone, and a \
            WhatsAppAccountHealthChanged when the rating or tier changed. Exit status 1 when Meta could not be read.
            """
    )

    @OptionGroup var data: DataOptions

    func run() async throws {
        // The composition root: the one place this command reads the providers' variables.
        let providers = ProviderConfiguration(environment: ProcessInfo.processInfo.environment)
        guard providers.whatsapp != nil else {
            throw CommandFailure(message: "WhatsApp is not configured (missing \((providers.missing["whatsapp"] ?? []).joined(separator: ", ")))")
        }
        let store = try data.openStore()
        defer { store.close() }
        let summary: WhatsAppAccountSync.Summary
        do {
            summary = try await WhatsAppAccountSync(store: store, configuration: providers)!.run()
        } catch {
            throw CommandFailure(error)
        }
        print(summary.text)
        if !summary.errors.isEmpty { throw ExitCode(1) }
    }
}
