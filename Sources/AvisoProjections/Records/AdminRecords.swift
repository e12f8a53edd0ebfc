import GRDB

/// A row of `users`. `passwordHash` is bcrypt; never render it.
public struct UserRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "users"
    public var id: String
    public var login: String
    public var role: String
    public var name: String
    public var clientId: String?
    public var passwordHash: String
    public var createdAt: String
    public var passwordChangedAt: String
    /// Columns of `v4-user-status`; nil (never set) reads as false.
    public var disabled: Bool?
    public var mustChangePassword: Bool?

    public var isDisabled: Bool { disabled ?? false }
    public var mustChange: Bool { mustChangePassword ?? false }

    static func migrateV4UserStatus(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in
            t.add(column: "disabled", .boolean)
            t.add(column: "must_change_password", .boolean)
        }
    }
}

/// A row of `templates`: the current text of one stage × channel.
public struct TemplateRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "templates"
    public var stage: String
    public var channel: String
    public var body: String
    public var whatsappName: String?
    public var whatsappLanguage: String?
    public var whatsappParameters: [String]?
    public var version: Int
    public var updatedAt: String
    public var updatedBy: String
    public var origin: String?
}

/// A row of `template_versions`: every saved text, for history and restore.
public struct TemplateVersionRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "template_versions"
    public var position: Int64
    public var stage: String
    public var channel: String
    public var version: Int
    public var body: String
    public var whatsappName: String?
    public var whatsappLanguage: String?
    public var whatsappParameters: [String]?
    public var changedAt: String
    public var changedBy: String
    public var origin: String?
}
