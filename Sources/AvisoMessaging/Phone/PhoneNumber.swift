/// What kind of line a number is, as far as the numbering plan tells.
/// Raw values are the strings the CLI prints and the ledger stores.
public enum PhoneLineType: String, Sendable, Codable, CaseIterable {
    case mobile
    case fixedLine = "fixed_line"
    /// The plan cannot tell (Mexico, the US and Canada, among others, share one pattern for both).
    case fixedLineOrMobile = "fixed_line_or_mobile"
    /// A valid number of another kind (toll-free, premium rate, VoIP, …): not a line we can message.
    case unknown
}

/// A valid phone number in E.164 form, with the facts the reminder sender needs.
public struct PhoneNumber: Sendable, Hashable {
    /// `+` country code national number, e.g. `+50255551234`.
    public let e164: String
    /// ISO 3166 region code of the number itself (not of the default region), e.g. `GT`, `CA`.
    public let region: String
    /// Country calling code without `+`, e.g. `502`.
    public let callingCode: String
    /// National significant number, e.g. `55551234`.
    public let nationalNumber: String
    public let lineType: PhoneLineType

    public init(region: String, callingCode: String, nationalNumber: String, lineType: PhoneLineType) {
        self.e164 = "+" + callingCode + nationalNumber
        self.region = region
        self.callingCode = callingCode
        self.nationalNumber = nationalNumber
        self.lineType = lineType
    }

    /// WhatsApp and SMS need a mobile; where the plan cannot tell, we try.
    public var canReceiveMessages: Bool {
        lineType == .mobile || lineType == .fixedLineOrMobile
    }
}

/// Why a number was rejected: `reason` is a short machine token (no spaces, for a CLI column),
/// `message` is for the lender's staff, in Spanish.
public struct PhoneNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }

    public static let empty = PhoneNumberError(
        reason: "empty", message: "No se escribió ningún número.")
    public static let notANumber = PhoneNumberError(
        reason: "not_a_number", message: "El texto no es un número de teléfono: solo se aceptan dígitos, espacios, guiones, puntos, paréntesis y un + inicial.")
    public static let tooShort = PhoneNumberError(
        reason: "too_short", message: "Al número le faltan dígitos.")
    public static let tooLong = PhoneNumberError(
        reason: "too_long", message: "El número tiene demasiados dígitos.")
    public static let invalidLength = PhoneNumberError(
        reason: "invalid_length", message: "El número no tiene una cantidad de dígitos válida para su país.")
    public static let missingAreaCode = PhoneNumberError(
        reason: "missing_area_code", message: "Al número le falta el código de área: así solo se puede marcar desde la misma zona.")
    public static let unknownCountryCode = PhoneNumberError(
        reason: "unknown_country_code", message: "El código de país no corresponde a ningún país.")
    public static let invalidForRegion = PhoneNumberError(
        reason: "invalid_for_region", message: "El número no existe en el plan de numeración de su país.")
    public static let unknownDefaultRegion = PhoneNumberError(
        reason: "unknown_default_region", message: "El país predeterminado no existe: se espera un código de región (GT, SV) o un código de país (502, +503).")
}
