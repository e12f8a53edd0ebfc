import ArgumentParser
import AvisoLedger
import AvisoProjections
import AvisoServer
import Foundation
import GRDB

/// `aviso user list|disable|enable|reset` (issue 13): the same events as the console's
/// Usuarios page, with `cli` as the author. A running server stops honouring a disabled
/// user's session as soon as its read models catch up.
struct UserListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List users: login, role, name, state, last sign-in.")
    @OptionGroup var data: DataOptions

    func run() async throws {
        let store = try data.openStore()
        defer { store.close() }
        let (users, lastLogins) = try store.read { db in
            (try UserRecord.order(Column("login")).fetchAll(db), try SessionProjection.lastLogins(db))
        }
        print(["login", "role", "name", "state", "last_login_at", "password_changed_at"].joined(separator: "\t"))
        for u in users {
            let state = u.isDisabled ? "disabled" : u.mustChange ? "must_change_password" : "active"
            print([u.login, u.role, u.name, state, lastLogins[u.id] ?? "-", u.passwordChangedAt].joined(separator: "\t"))
        }
    }
}

struct UserDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a user: no sign-in, sessions end.")
    @OptionGroup var data: DataOptions
    @Option(help: "The user's login.") var login: String

    func run() async throws { try await setDisabled(data: data, login: login, true) }
}

struct UserEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled user again.")
    @OptionGroup var data: DataOptions
    @Option(help: "The user's login.") var login: String

    func run() async throws { try await setDisabled(data: data, login: login, false) }
}

struct UserResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Reset a password to a one-time password, printed once; it must be changed at the next sign-in.")
    @OptionGroup var data: DataOptions
    @Option(help: "The user's login.") var login: String

    func run() async throws {
        let store = try data.openStore()
        defer { store.close() }
        let user = try userNamed(login, in: store)
        let cost = ProcessInfo.processInfo.environment["AVISO_BCRYPT_COST"].flatMap(UInt8.init).map { min(max($0, 4), 31) } ?? 12
        let password = try await UserAdmin.resetPassword(userId: user.id, in: store, actor: "cli", cost: cost)
        print("one-time password for \(user.login) (shown once; must be changed at the next sign-in): \(password)")
    }
}

private func setDisabled(data: DataOptions, login: String, _ disabled: Bool) async throws {
    let store = try data.openStore()
    defer { store.close() }
    let user = try userNamed(login, in: store)
    try await UserAdmin.setDisabled(userId: user.id, disabled, in: store, actor: "cli")
    print("user \(user.login) \(disabled ? "disabled" : "enabled")")
}

private func userNamed(_ login: String, in store: AvisoStore) throws -> UserRecord {
    let wanted = login.trimmingCharacters(in: .whitespaces).lowercased()
    guard let user = try store.read({ try UserRecord.filter(Column("login") == wanted).fetchOne($0) }) else {
        throw CommandFailure(message: "no user with login `\(wanted)`")
    }
    return user
}
