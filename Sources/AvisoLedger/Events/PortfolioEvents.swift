/// A client as the lender's system knows it. Appended only when something changed.
public struct ClientUpserted: EventPayload {
    public static let eventType = "ClientUpserted"
    public static let schemaVersion = 1
    public var id: String
    public var name: String
    /// As typed by the lender; normalised to E.164 when a message is sent.
    public var phone: String
    /// The client's default country for `phone`: `GT`, `503`, `+503`… (nil: the lender's default).
    public var phoneCountryCode: String?
    public var advisor: String?
    public var preferredChannel: PreferredChannel
    public var paymentLink: String?

    public var clientId: String? { id }

    public init(id: String, name: String, phone: String, phoneCountryCode: String?, advisor: String?,
                preferredChannel: PreferredChannel, paymentLink: String? = nil) {
        self.id = id
        self.name = name
        self.phone = phone
        self.phoneCountryCode = phoneCountryCode
        self.advisor = advisor
        self.preferredChannel = preferredChannel
        self.paymentLink = paymentLink
    }
}

public enum PreferredChannel: String, Codable, Sendable, CaseIterable {
    case whatsapp, sms, both
}

public enum InstallmentStatus: String, Codable, Sendable, CaseIterable {
    case pending, paid
    case pendingConfirmation = "pending_confirmation"
}

/// An installment of a loan. Amounts are in minor units (centavos) to stay exact.
public struct InstallmentUpserted: EventPayload {
    public static let eventType = "InstallmentUpserted"
    public static let schemaVersion = 1
    public var id: String
    public var clientIdentifier: String
    public var loanId: String
    public var number: Int
    /// Calendar date `YYYY-MM-DD`, no time zone: a due date is a day, not an instant.
    public var dueDate: String
    public var amountMinor: Int64
    public var currency: String
    public var status: InstallmentStatus

    public var clientId: String? { clientIdentifier }

    enum CodingKeys: String, CodingKey {
        case id, clientIdentifier = "clientId", loanId, number, dueDate, amountMinor, currency, status
    }

    public init(id: String, clientId: String, loanId: String, number: Int, dueDate: String, amountMinor: Int64, currency: String, status: InstallmentStatus) {
        self.id = id
        self.clientIdentifier = clientId
        self.loanId = loanId
        self.number = number
        self.dueDate = dueDate
        self.amountMinor = amountMinor
        self.currency = currency
        self.status = status
    }
}

/// An installment was paid: reminders for it stop.
public struct InstallmentPaid: EventPayload {
    public static let eventType = "InstallmentPaid"
    public static let schemaVersion = 1
    public var installmentId: String
    public var clientIdentifier: String?
    /// `YYYY-MM-DD` when known.
    public var paidOn: String?

    public var clientId: String? { clientIdentifier }

    enum CodingKeys: String, CodingKey {
        case installmentId, clientIdentifier = "clientId", paidOn
    }

    public init(installmentId: String, clientId: String?, paidOn: String?) {
        self.installmentId = installmentId
        self.clientIdentifier = clientId
        self.paidOn = paidOn
    }
}
