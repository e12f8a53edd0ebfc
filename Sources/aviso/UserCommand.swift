import ArgumentParser
import AvisoLedger
import AvisoProjections
import AvisoServer
import Foundation
import GRDB

/// `aviso user add`: a console account. The password is read from stdin (first line) and
/// only its bcrypt hash is recorded.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage console users.",
        subcommands: [UserAddCommand.self, UserPasswordCommand.self, UserListCommand.self, UserDisableCommand.self, UserEnableCommand.self,
                      UserResetCommand.self]
    )
}

struct UserAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a user; reads the password from stdin (e.g. `printf '%s' \"$PW\" | aviso user add …`)."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Login name (3–64 characters: letters, digits, . _ - @).") var login: String
    @Option(help: "admin, asesor or cliente.") var role: String
    @Option(help: "For a cliente: the client id the account may see.") var client: String?
    @Option(help: "Display name (an asesor's must match the clients' advisor column).") var name: String?

    func run() async throws {
        guard let role = UserRole(rawValue: role.lowercased()) else {
            throw ValidationError("--role must be admin, asesor or cliente")
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure(message: "no password on stdin")
        }
        let store = try data.openStore()
        defer { store.close() }
        let cost = ProcessInfo.processInfo.environment["AVISO_BCRYPT_COST"].flatMap(UInt8.init).map { min(max($0, 4), 31) } ?? 12
        do {
            let id = try await UserAdmin.create(login: login, role: role, name: name, clientId: client, password: line,
                                                in: store, actor: "cli", cost: cost)
            print("user \(id) created: login \(login.lowercased()), role \(role.rawValue)")
        } catch let error as UserAdminError {
            throw CommandFailure(message: error.description)
        }
    }
}

/// `aviso user password`: sets a forgotten password (the console only lets a user change their
/// own, knowing the current one). Reads the new password from stdin; records only its hash.
struct UserPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Set a user's password; reads it from stdin (e.g. `printf '%s' \"$PW\" | aviso user password --login ana`).",
        discussion: "Sessions already open in a running server stay open until they expire or the server restarts."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "The user's login.") var login: String

    func run() async throws {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure(message: "no password on stdin")
        }
        let store = try data.openStore()
        defer { store.close() }
        let wanted = login.trimmingCharacters(in: .whitespaces).lowercased()
        guard let user = try store.read({ try UserRecord.filter(Column("login") == wanted).fetchOne($0) }) else {
            throw CommandFailure(message: "no user with login `\(wanted)`")
        }
        let cost = ProcessInfo.processInfo.environment["AVISO_BCRYPT_COST"].flatMap(UInt8.init).map { min(max($0, 4), 31) } ?? 12
        do {
            try await UserAdmin.changePassword(userId: user.id, password: line, in: store, actor: "cli", cost: cost)
            print("password of \(wanted) changed")
        } catch let error as UserAdminError {
            throw CommandFailure(message: error.description)
        }
    }
}
