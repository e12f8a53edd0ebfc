import ArgumentParser

/// The `aviso` command: every subcommand is a thin shell over the library targets.
@main
struct Aviso: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aviso",
        abstract: "Payment reminders over WhatsApp and SMS, recorded in an event ledger.",
        version: AvisoVersion.current,
        subcommands: [ImportCommand.self, HistoryCommand.self, LogCommand.self, ReplayCommand.self, VerifyCommand.self, BackupCommand.self,
                      RunCommand.self, ReactivateCommand.self, ServeCommand.self, UserCommand.self, PhoneCommand.self,
                      WhatsAppCommand.self, CheckpointCommand.self, AuditCommand.self, LedgerCommand.self]
    )
}
