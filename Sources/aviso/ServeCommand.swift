import ArgumentParser
import AvisoLedger
import AvisoProjections
import AvisoScheduler
import AvisoServer
import Foundation
import Hummingbird
import Logging

/// `aviso serve`: the HTTP server (webhooks, notifications API, portfolio API, sessions).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server until SIGTERM/SIGINT (graceful: in-flight requests and ledger writes finish).",
        discussion: """
            Environment: AVISO_PUBLIC_URL, TWILIO_AUTH_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, AVISO_CRON_SECRET (or CRON_SECRET),
            AVISO_ADMIN_PASSWORD (first start), AVISO_FIXTURES, AVISO_SESSION_HOURS, AVISO_BCRYPT_COST, AVISO_TRUST_PROXY, AVISO_LOG_LEVEL,
            AVISO_INSECURE_UNSIGNED_WEBHOOKS (=1: accept webhooks unsigned when their secret is unset; development only),
            AVISO_CHECKPOINT_KEY (signs a checkpoint at start and then every AVISO_CHECKPOINT_INTERVAL: 1h by default, `off`, or e.g. 15m),
            AVISO_CHECKPOINT_ORIGIN.
            """
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "On an empty data directory: import Fixtures/demo and create admin, asesor and cliente accounts. Also accepts webhooks unsigned when their secret is unset (development only).") var demo = false

    func run() async throws {
        // Before anything is printed or opened: a busy port is the one thing said.
        if let problem = PortCheck.problem(host: host, port: port) { throw CommandFailure(message: problem) }
        let environment = ProcessInfo.processInfo.environment
        let level = environment["AVISO_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "aviso")

        // A checkpoint interval without a usable key is refused before anything is opened.
        let checkpoints: CheckpointSettings?
        do { checkpoints = try CheckpointSettings.fromEnvironment(environment) } catch { throw CommandFailure(error) }
        // So are console views that cannot be read: one clear line, not a crash at start.
        do { try ConsoleViews.checkLoadable() } catch { throw CommandFailure(error) }

        let arguments = AppArguments.fromEnvironment(host: host, port: port, demo: demo, environment: environment)
        // Human lines go to stderr (stdout carries the JSON log lines). One-time passwords are
        // printed here once and never pass through the logger.
        func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let store = try data.openStore(creating: true, announce: say)
        let report = try await ServerBootstrap.prepare(store: store, fixtures: .fromEnvironment(), demo: demo,
                                                       adminPassword: environment["AVISO_ADMIN_PASSWORD"],
                                                       bcryptCost: arguments.bcryptCost, logger: logger)
        if let skipped = report.demoSkipped {
            // On stdout, where whoever typed --demo looks: what happened instead, and the way on.
            print(DemoNotice.text(reason: skipped, data: data.directory.url.path, admin: report.accounts.first?.login))
        }
        if let imported = report.demoImported {
            say("demo: \(imported.clientsChanged) clients and \(imported.installmentsChanged) installments imported")
        }
        for account in report.accounts {
            let client = account.clientId.map { " (client \($0))" } ?? ""
            if let password = account.oneTimePassword {
                say("account \(account.role.rawValue): login \(account.login)  password \(password)\(client)  (shown once)")
            } else {
                say("account \(account.role.rawValue): login \(account.login)  password from AVISO_ADMIN_PASSWORD\(client)")
            }
        }
        if let banner = arguments.insecureWebhookBanner { say(banner) }
        // The providers as `arguments` decided them: the send path and every page agree.
        let actions = try LiveNotificationActions.make(store: store, configuration: arguments.providerConfiguration)
        let app = buildApplication(arguments, store: store, actions: actions, logger: logger,
                                   scheduler: SchedulerService(store: store, scheduler: actions.scheduler, logger: logger),
                                   whatsappSync: WhatsAppAccountSync(store: store, configuration: arguments.providerConfiguration)
                                       .map { WhatsAppSyncService(sync: $0, store: store, logger: logger) },
                                   checkpoints: checkpoints.flatMap { settings in
                                       settings.interval.map { CheckpointService(store: store, settings: settings, interval: $0, logger: logger) }
                                   })
        if let checkpoints, let every = checkpoints.intervalText {
            say("checkpoints: signed by \(checkpoints.signer.name) every \(every) into \(data.directory.checkpoints.path)")
        }
        say("Aviso: open http://\(host):\(port)/ingresar to sign in (Ctrl-C stops it gracefully)")
        try await app.runService()
    }
}
