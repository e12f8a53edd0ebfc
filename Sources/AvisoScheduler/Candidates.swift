import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Something that may be due today: an installment at a stage, a message held back by
/// yesterday's daily cap whose stage still applies, or a client's reactivation summary.
/// Found from a read snapshot; every fact that matters is checked again under the lock.
struct Candidate: Sendable {
    enum Kind: Int, Sendable { case carryOver = 0, fresh = 1, reactivation = 2 }
    var kind: Kind
    var clientId: String
    var installmentId: String?
    var stage: String
    /// The stage's local day (`StageDue.localDate`).
    var localDate: String
    /// Sort key within a client: oldest due date first.
    var dueDate: String
    var channels: [Channel]
    var e164: String?
    var context: TemplateContext

    var subject: String { installmentId ?? "client:\(clientId)" }

    func messageKey(_ channel: Channel) -> String {
        Candidates.messageKey(clientId: clientId, installmentId: installmentId, stage: stage,
                              localDate: localDate, channel: channel)
    }
}

/// A client row, as a message needs it.
struct ClientInfo: Sendable {
    var id: String
    var name: String
    var phone: String
    var countryCode: String?
    var advisor: String?
    var preferredChannel: String
    var paymentLink: String?

    init(row: Row, prefix: String = "") {
        id = row[prefix + "id"]
        name = row[prefix + "name"]
        phone = row[prefix + "phone"]
        countryCode = row[prefix + "phone_country_code"]
        advisor = row[prefix + "advisor"]
        preferredChannel = row[prefix + "preferred_channel"]
        paymentLink = row[prefix + "payment_link"]
    }

    static func fetch(_ db: Database, id: String) throws -> ClientInfo? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT id, name, phone, phone_country_code, advisor, preferred_channel, payment_link FROM clients WHERE id = ?
            """), arguments: [id]).map { ClientInfo(row: $0) }
    }

    var channels: [Channel] {
        switch PreferredChannel(rawValue: preferredChannel) {
        case .sms: [.sms]
        case .both: [.whatsapp, .sms]
        case .whatsapp, nil: [.whatsapp]
        }
    }

    /// E.164 for the opt-out check, nil when the number does not parse (the send path then
    /// records `IgnoredInvalidPhone`).
    var e164: String? {
        try? PhoneNumberParser.parse(phone, defaultRegion: countryCode ?? "GT").e164
    }
}

enum Candidates {
    static func messageKey(clientId: String, installmentId: String?, stage: String, localDate: String, channel: Channel) -> String {
        if let installmentId { return "\(installmentId)|\(stage)|\(channel.rawValue)" }
        return "client:\(clientId)|\(stage)|\(localDate)|\(channel.rawValue)"
    }

    static let clientColumns = "c.id AS c_id, c.name AS c_name, c.phone AS c_phone, c.phone_country_code AS c_phone_country_code, c.advisor AS c_advisor, c.preferred_channel AS c_preferred_channel, c.payment_link AS c_payment_link"

    /// Installments at a stage today that have no `StageDue` for it yet.
    static func stages(_ db: Database, policy: Policy) throws -> [Candidate] {
        var out: [Candidate] = []
        var phones: [String: String?] = [:]
        let today = policy.today.iso
        let statement = try db.cachedStatement(sql: """
            SELECT i.id, i.loan_id, i.number, i.due_date, i.amount_minor, i.currency, \(clientColumns)
            FROM installments i JOIN clients c ON c.id = i.client_id
            WHERE i.due_date = ? AND i.status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM stages_due s WHERE s.subject = i.id AND s.stage = ?)
            """)
        for (dueDate, stage) in StagePlan.dueDates(on: policy.today, weeklyMaximum: policy.settings.weeklyMaximum)
        where policy.isEnabled(stage) {
            let rows = try Row.fetchCursor(statement, arguments: [dueDate.iso, stage])
            while let row = try rows.next() {
                let client = ClientInfo(row: row, prefix: "c_")
                let e164: String?
                if let known = phones[client.id] { e164 = known } else { e164 = client.e164; phones[client.id] = e164 }
                out.append(Candidate(
                    kind: .fresh, clientId: client.id, installmentId: row["id"], stage: stage, localDate: today,
                    dueDate: row["due_date"], channels: client.channels, e164: e164,
                    context: Contexts.installment(client: client, row: row, stage: stage)))
            }
        }
        return out
    }

    /// Messages skipped by the daily cap on an earlier day whose stage still applies today
    /// (from the stage's day until the next stage's day, installment unpaid, stage enabled),
    /// not yet considered today and never scheduled since.
    static func carryOvers(_ db: Database, policy: Policy) throws -> [Candidate] {
        let (todayStart, _) = LocalClock.bounds(of: policy.today, in: policy.timeZone)
        let lookback = Timestamps.utc(LocalClock.bounds(of: policy.today - 15, in: policy.timeZone).start)
        let rows = try Row.fetchAll(db, sql: """
            SELECT n.installment_id, n.stage, n.channel, max(n.created_at) AS last_considered,
              sd.local_date AS stage_date, i.loan_id, i.number, i.due_date, i.amount_minor, i.currency, \(clientColumns)
            FROM notifications_log n
            JOIN installments i ON i.id = n.installment_id
            JOIN clients c ON c.id = i.client_id
            JOIN stages_due sd ON sd.subject = n.installment_id AND sd.stage = n.stage
            WHERE n.status = 'skipped' AND n.error_code = 'daily_cap' AND n.installment_id IS NOT NULL
              AND n.created_at >= ? AND i.status = 'pending'
            GROUP BY n.installment_id, n.stage, n.channel
            """, arguments: [lookback])
        var byKey: [String: Candidate] = [:]
        let todayStartText = Timestamps.utc(todayStart)
        for row in rows {
            let stage: String = row["stage"]
            guard let channelName: String = row["channel"], let channel = Channel(rawValue: channelName),
                  policy.isEnabled(stage), let offset = StagePlan.offset(of: stage),
                  let due = LocalDay(iso: row["due_date"] as String),
                  (row["last_considered"] as String) < todayStartText else { continue }
            let daysFromDue = policy.today - due
            guard daysFromDue >= offset, daysFromDue < StagePlan.nextOffset(after: offset) else { continue }
            let installmentId: String = row["installment_id"]
            let key = messageKey(clientId: "", installmentId: installmentId, stage: stage, localDate: "", channel: channel)
            guard try !Bool.fetchOne(db, sql: "SELECT 1 FROM scheduled_messages WHERE message_key = ?", arguments: [key]).isTrue
            else { continue }
            let client = ClientInfo(row: row, prefix: "c_")
            let groupKey = installmentId + "|" + stage
            if byKey[groupKey] != nil {
                byKey[groupKey]!.channels.append(channel)
                byKey[groupKey]!.channels.sort { $0.rawValue > $1.rawValue }  // whatsapp before sms
            } else {
                byKey[groupKey] = Candidate(
                    kind: .carryOver, clientId: client.id, installmentId: installmentId, stage: stage,
                    localDate: row["stage_date"], dueDate: row["due_date"], channels: [channel], e164: client.e164,
                    context: Contexts.installment(client: client, row: row, stage: stage))
            }
        }
        return Array(byKey.values)
    }

    /// REACTIVATE_OVERDUE (any installment overdue) and REACTIVATE_PENDING (an installment in
    /// pending_confirmation for at least N local days): one summary per client.
    static func reactivation(_ db: Database, policy: Policy) throws -> [Candidate] {
        var out: [Candidate] = []
        if policy.isEnabled(StagePlan.reactivateOverdue) {
            out += try summaries(db, stage: StagePlan.reactivateOverdue, policy: policy,
                                 covering: "status = 'pending' AND due_date < ?", policy.today.iso)
        }
        if policy.isEnabled(StagePlan.reactivatePending) {
            out += try summaries(db, stage: StagePlan.reactivatePending, policy: policy,
                                 covering: "status = 'pending_confirmation' AND status_since < ?", pendingThreshold(policy))
        }
        return out
    }

    /// What a reactivation summary says of a client's installments.
    static let summaryColumns = """
        count(*) AS n, sum(amount_minor) AS total, min(due_date) AS oldest, min(currency) AS currency, group_concat(DISTINCT loan_id) AS loans
        """

    /// One `stage` summary per client with installments matching `filter` (one `?`, `argument`).
    private static func summaries(_ db: Database, stage: String, policy: Policy, covering filter: String, _ argument: String) throws -> [Candidate] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT o.n, o.total, o.oldest, o.currency, o.loans, \(clientColumns) FROM (
              SELECT client_id, \(summaryColumns)
              FROM installments WHERE \(filter) GROUP BY client_id
            ) o JOIN clients c ON c.id = o.client_id
            """, arguments: [argument])
        return rows.map { row in
            let client = ClientInfo(row: row, prefix: "c_")
            return Candidate(kind: .reactivation, clientId: client.id, installmentId: nil, stage: stage,
                             localDate: policy.today.iso, dueDate: row["oldest"], channels: client.channels, e164: client.e164,
                             context: Contexts.summary(client: client, row: row))
        }
    }

    /// In pending_confirmation since local day D with today − D ≥ N ⇔ since before the start
    /// of local day today − N + 1.
    static func pendingThreshold(_ policy: Policy) -> String {
        let day = policy.today - max(0, policy.settings.reactivatePendingDays) + 1
        return Timestamps.utc(LocalClock.bounds(of: day, in: policy.timeZone).start)
    }

    /// By client, so one client's candidates are decided together; within a client, carried
    /// messages first, then the oldest due date first (the most urgent gets the cap).
    static func ordered(_ candidates: [Candidate]) -> [Candidate] {
        candidates.sorted {
            ($0.clientId, $0.kind.rawValue, $0.dueDate, $0.subject, $0.stage)
                < ($1.clientId, $1.kind.rawValue, $1.dueDate, $1.subject, $1.stage)
        }
    }

    /// Chunks of about `size`, never splitting a client.
    static func chunks(_ candidates: [Candidate], size: Int) -> [[Candidate]] {
        var out: [[Candidate]] = []
        var current: [Candidate] = []
        for candidate in candidates {
            if current.count >= max(1, size), current.last?.clientId != candidate.clientId {
                out.append(current)
                current = []
            }
            current.append(candidate)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

extension Optional where Wrapped == Bool {
    var isTrue: Bool { self == true }
}

/// Template values for the send path. The scheduler knows the facts; the messaging layer renders.
enum Contexts {
    static func installment(client: ClientInfo, row: Row, stage: String) -> TemplateContext {
        let offset = StagePlan.offset(of: stage) ?? 0
        return TemplateContext(
            name: client.name, amountMinor: row["amount_minor"], currency: row["currency"],
            dueDate: CalendarDate(iso: row["due_date"] as String), days: offset == 0 ? nil : abs(offset),
            week: stage.hasPrefix(StagePlan.weeklyPrefix) ? offset / 7 : nil, installmentNumber: row["number"],
            loanId: row["loan_id"], advisorName: client.advisor, paymentLink: client.paymentLink)
    }

    /// Total owed, oldest due date and how many installments, for a reactivation summary.
    static func summary(client: ClientInfo, row: Row) -> TemplateContext {
        TemplateContext(
            name: client.name, amountMinor: row["total"], currency: row["currency"] ?? "GTQ",
            dueDate: (row["oldest"] as String?).flatMap { CalendarDate(iso: $0) }, overdueInstallments: row["n"],
            // A summary may span loans: `{{prestamo}}` lists them ("P-1, P-2").
            loanId: (row["loans"] as String?)?.replacingOccurrences(of: ",", with: ", "),
            advisorName: client.advisor, paymentLink: client.paymentLink)
    }

    /// The context of an already decided message (drained or taken over), read afresh.
    static func rebuild(_ db: Database, clientId: String, installmentId: String?, stage: String, policy: Policy) throws -> TemplateContext? {
        guard let client = try ClientInfo.fetch(db, id: clientId) else { return nil }
        if let installmentId {
            guard let row = try Row.fetchOne(db, sql: """
                SELECT loan_id, number, due_date, amount_minor, currency FROM installments WHERE id = ?
                """, arguments: [installmentId]) else { return nil }
            return installment(client: client, row: row, stage: stage)
        }
        let row: Row?
        if stage == StagePlan.reactivatePending {
            row = try Row.fetchOne(db, sql: """
                SELECT \(Candidates.summaryColumns) FROM installments WHERE client_id = ? AND status = 'pending_confirmation'
                """, arguments: [clientId])
        } else {
            row = try Row.fetchOne(db, sql: """
                SELECT \(Candidates.summaryColumns) FROM installments WHERE client_id = ? AND status = 'pending' AND due_date < ?
                """, arguments: [clientId, policy.today.iso])
        }
        guard let row, (row["n"] as Int) > 0 else { return nil }
        return summary(client: client, row: row)
    }
}
