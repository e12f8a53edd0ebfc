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
