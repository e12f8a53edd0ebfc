import GRDB

/// A row of `clients`.
public struct ClientRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "clients"
    public var id: String
    public var name: String
    public var phone: String
    public var phoneCountryCode: String?
    public var advisor: String?
    public var preferredChannel: String
    public var paymentLink: String?
    public var updatedAt: String
}

/// A row of `installments`.
public struct InstallmentRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "installments"
    public var id: String
    public var clientId: String
    public var loanId: String
    public var number: Int
    public var dueDate: String
    public var amountMinor: Int64
    public var currency: String
    public var status: String
    public var statusSince: String
    public var paidOn: String?
}

/// A row of `opt_outs`: one per (number, channel); no channel means every channel.
public struct OptOutRecord: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "opt_outs"
    public var phone: String
    public var clientId: String?
    public var channel: String?
    public var source: String
    public var at: String
}
