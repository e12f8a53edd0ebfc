import AvisoLedger
import AvisoMessaging
import AvisoPortfolio
import AvisoProjections
import AvisoScheduler
import Foundation
import GRDB
import Logging

/// An account made at first start, with the password to print once.
public struct CreatedAccount: Sendable, Equatable {
    public var login: String
    public var role: UserRole
    public var clientId: String?
    /// nil when the password came from `AVISO_ADMIN_PASSWORD` (not echoed).
    public var oneTimePassword: String?
}

public struct BootstrapReport: Sendable {
    public var templatesLoaded = 0
    public var demoImported: ImportSummary?
    public var accounts: [CreatedAccount] = []
    /// Why `--demo` did nothing (the data directory already had users or clients); nil otherwise.
    public var demoSkipped: String?
}

/// What `aviso serve` does before listening: default templates when there are none, the
/// first admin (or, with `--demo` on an empty data directory, the demo portfolio and three
/// accounts).
public enum ServerBootstrap {
    public static func prepare(store: AvisoStore, fixtures: ShippedFixtures, demo: Bool, adminPassword: String?,
                               bcryptCost: UInt8 = 12, logger: Logger) async throws -> BootstrapReport {
        var report = BootstrapReport()
        report.templatesLoaded = try await DefaultTemplateSeed.loadIfEmpty(store: store, fixtures: fixtures)
        if report.templatesLoaded > 0 { logger.info("default templates loaded", metadata: ["count": "\(report.templatesLoaded)"]) }

        let (users, clients) = try store.read { db in
            (try UserRecord.fetchCount(db), try ClientRecord.fetchCount(db))
        }
        guard users == 0 else {
            if demo {
                report.demoSkipped = "the data directory already has users"
                logger.notice("--demo ignored: the data directory already has users")
            }
            return report
        }
        if demo && clients == 0 {
            report.demoImported = try await fixtures.withDemoFiles { clients, installments in
                try await PortfolioImport.run(clients: clients, installments: installments, into: store, actor: "demo")
            }
            let firstClient = try store.read { try String.fetchOne($0, sql: "SELECT id FROM clients ORDER BY id LIMIT 1") }
            let advisor = try store.read { try String.fetchOne($0, sql: "SELECT advisor FROM clients WHERE advisor IS NOT NULL ORDER BY id LIMIT 1") }
            for (login, role, name, client) in [("admin", UserRole.admin, "Administrador", nil as String?),
                                                ("asesor", .asesor, advisor ?? "Asesor", nil),
                                                ("cliente", .cliente, "Cliente demo", firstClient)] {
                let password = UserAdmin.generatePassword()
                try await UserAdmin.create(login: login, role: role, name: name, clientId: client, password: password,
                                           in: store, actor: "system", cost: bcryptCost)
                report.accounts.append(CreatedAccount(login: login, role: role, clientId: client, oneTimePassword: password))
            }
            return report
        }
        if demo {
            report.demoSkipped = "the data directory already has clients"
            logger.notice("--demo ignored: the data directory already has clients")
        }
        let given = adminPassword.flatMap { $0.isEmpty ? nil : $0 }
        let password = given ?? UserAdmin.generatePassword()
        try await UserAdmin.create(login: "admin", role: .admin, name: "Administrador", clientId: nil, password: password,
                                   in: store, actor: "system", cost: bcryptCost)
        report.accounts.append(CreatedAccount(login: "admin", role: .admin, clientId: nil, oneTimePassword: given == nil ? password : nil))
        return report
    }
}
