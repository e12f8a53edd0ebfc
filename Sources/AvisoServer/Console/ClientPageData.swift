import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The client page: installments, the phone's validity, opt-outs per channel and every
/// message (each linking to its timeline). The planned messages come from `UpcomingMessages`.
struct ClientPageData: Sendable {
    struct Installment: Sendable {
        var id: String
        var loan: String
        var number: Int
        var due: String
        var amount: String
        var status: String
        var statusClass: String
    }

    struct OptOut: Sendable {
        var channel: String
        var since: String
        var source: String
    }

    var id: String
    var name: String
    var advisor: String
    var preferredChannel: String
    var phone: String
    var phoneValid: Bool
    var phoneVerdict: String
    var installments: [Installment]
    var optOuts: [OptOut]
    var messages: [MessagesController.RowView]
    var upcoming: [UpcomingMessages.Moment] = []
    var pause: ClientPauseView
    var pauseError: String?

    static func build(_ client: ClientRecord, _ db: Database) throws -> ClientPageData {
        let zone = try MessagingSettings.current(db).zone
        let (valid, verdict) = phoneVerdict(client)
        let installments = try InstallmentRecord.filter(Column("client_id") == client.id)
            .order(Column("due_date"), Column("id")).fetchAll(db).map { i in
                Installment(id: i.id, loan: i.loanId, number: i.number,
                            due: CalendarDate(iso: i.dueDate).map(SpanishFormatting.longDate) ?? i.dueDate,
                            amount: (try? SpanishFormatting.money(minorUnits: i.amountMinor, currency: i.currency)) ?? "\(i.amountMinor) \(i.currency)",
                            status: installmentStatus(i.status), statusClass: i.status == "paid" ? "ok" : "neutro")
            }
        let optOuts = try OptOutRecord.filter(Column("client_id") == client.id || Column("phone") == normalized(client))
            .order(Column("at")).fetchAll(db).map { o in
                OptOut(channel: o.channel.map { MessageVocabulary.channel($0) } ?? "Todos los canales",
                       since: ConsoleFormatting.dateTime(utc: o.at, in: zone), source: o.source)
            }
        let messages = try NotificationRecord.filter(Column("client_id") == client.id)
            .order(Column("created_at").desc, Column("id").desc).limit(200).fetchAll(db)
            .map { MessagesController.row($0, names: [client.id: client.name], zone: zone) }
        return ClientPageData(id: client.id, name: client.name, advisor: client.advisor ?? "—",
                              preferredChannel: client.preferredChannel == "both" ? "WhatsApp y SMS" : MessageVocabulary.channel(client.preferredChannel),
                              phone: Masking.phone(client.phone), phoneValid: valid, phoneVerdict: verdict,
                              installments: installments, optOuts: optOuts, messages: messages,
                              pause: try ClientPauseView.build(clientId: client.id, zone: zone, db))
    }

    /// The phone as the send path sees it, in plain Spanish, with the reason when it can't be used.
    static func phoneVerdict(_ client: ClientRecord) -> (Bool, String) {
        do {
            let number = try PhoneNumberParser.parse(client.phone, defaultRegion: client.phoneCountryCode ?? "GT")
            switch number.lineType {
            case .mobile: return (true, "Válido: celular de \(number.region).")
            case .fixedLineOrMobile: return (true, "Válido: el plan de numeración de \(number.region) no distingue fijo de celular; se intenta.")
            case .fixedLine: return (false, MessageVocabulary.ignoreReason("fixed_line"))
            case .unknown: return (false, MessageVocabulary.ignoreReason("not_mobile"))
            }
        } catch {
            return (false, "Número inválido: \(error.message)")
        }
    }

    static func normalized(_ client: ClientRecord) -> String {
        (try? PhoneNumberParser.parse(client.phone, defaultRegion: client.phoneCountryCode ?? "GT").e164) ?? client.phone
    }

    static func installmentStatus(_ value: String) -> String {
        switch InstallmentStatus(rawValue: value) {
        case .pending?: "Pendiente"
        case .paid?: "Pagada"
        case .pendingConfirmation?: "Pago por confirmar"
        case nil: value
        }
    }
}
