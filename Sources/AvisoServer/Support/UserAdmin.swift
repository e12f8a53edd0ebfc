import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import HummingbirdBcrypt

public enum UserAdminError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLogin(String)
    case loginTaken(String)
    case weakPassword
    case clientRequired
    case clientNotAllowed
    case unknownClient(String)
    case unknownUser(String)

    public var description: String {
        switch self {
        case let .invalidLogin(l): "login `\(l)` must be 3–64 characters: letters, digits, . _ - @"
        case let .loginTaken(l): "login `\(l)` is already taken"
        case .weakPassword: "the password must have at least 10 characters"
        case .clientRequired: "a cliente account needs --client ID"
        case .clientNotAllowed: "only cliente accounts are linked to a client"
        case let .unknownClient(id): "no client `\(id)`"
        case let .unknownUser(id): "no user `\(id)`"
        }
    }
}

/// Creating users and changing passwords: events carrying a bcrypt hash, never a password.
public enum UserAdmin {
    public static let minimumPasswordLength = 10

    /// Appends `UserCreated` after checking, under the ledger's write lock, that the login is
    /// free and a cliente's client exists. Returns the new user's id.
    @discardableResult
    public static func create(login rawLogin: String, role: UserRole, name: String?, clientId: String?, password: String,
                              in store: AvisoStore, actor: String, cost: UInt8 = 12) async throws -> String {
        let login = rawLogin.trimmingCharacters(in: .whitespaces).lowercased()
        guard login.range(of: "^[a-z0-9._@-]{3,64}$", options: .regularExpression) != nil else { throw UserAdminError.invalidLogin(login) }
        guard password.count >= minimumPasswordLength else { throw UserAdminError.weakPassword }
        if role == .cliente, clientId == nil { throw UserAdminError.clientRequired }
        if role != .cliente, clientId != nil { throw UserAdminError.clientNotAllowed }
        let hash = await hashOffPool(password, cost: cost)
        let userId = "u-" + Secrets.token(bytes: 9)
        let event = UserCreated(userId: userId, login: login, role: role, name: name ?? login, linkedClientId: clientId, passwordHash: hash)
        try await store.appendDeciding { db in
            if try UserRecord.filter(Column("login") == login).fetchCount(db) > 0 { throw UserAdminError.loginTaken(login) }
            if let clientId, try !ClientRecord.exists(db, key: clientId) { throw UserAdminError.unknownClient(clientId) }
            return [NewEvent(.userCreated(event), actor: actor)]
        }
        return userId
    }

    /// Appends `CredentialChanged` with the new hash.
    public static func changePassword(userId: String, password: String, in store: AvisoStore, actor: String, cost: UInt8 = 12) async throws {
        guard password.count >= minimumPasswordLength else { throw UserAdminError.weakPassword }
        let hash = await hashOffPool(password, cost: cost)
        try await store.append(.credentialChanged(CredentialChanged(userId: userId, passwordHash: hash)), actor: actor)
    }

    /// An admin's reset: a new one-time password (returned, to show once) that must be changed
    /// at the next login. Appends `CredentialChanged` with `mustChange`; the caller ends the
    /// user's sessions.
    public static func resetPassword(userId: String, in store: AvisoStore, actor: String, cost: UInt8 = 12) async throws -> String {
        let password = generatePassword()
        let hash = await hashOffPool(password, cost: cost)
        try await store.appendDeciding { db in
            guard try UserRecord.exists(db, key: userId) else { throw UserAdminError.unknownUser(userId) }
            return [NewEvent(.credentialChanged(CredentialChanged(userId: userId, passwordHash: hash, mustChange: true)), actor: actor)]
        }
        return password
    }

    /// Disables or enables a user (`UserStatusChanged`); the caller ends a disabled user's sessions.
    public static func setDisabled(userId: String, _ disabled: Bool, in store: AvisoStore, actor: String) async throws {
        try await store.appendDeciding { db in
            guard let user = try UserRecord.fetchOne(db, key: userId) else { throw UserAdminError.unknownUser(userId) }
            guard user.isDisabled != disabled else { return [] }
            return [NewEvent(.userStatusChanged(UserStatusChanged(userId: userId, disabled: disabled)), actor: actor)]
        }
    }

    /// A password to print once: 16 characters from an alphabet without look-alikes.
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func hashOffPool(_ password: String, cost: UInt8) async -> String {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }
}
