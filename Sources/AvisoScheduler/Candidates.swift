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
    var client: ClientInfo
    /// The installment at `stage` (nil for a reactivation summary).
    var installment: InstallmentFacts?
    /// A reactivation summary's installments.
    var summary: [InstallmentFacts] = []
    var stage: String
    /// The stage's local day (`StageDue.localDate`).
    var localDate: String
    /// Sort key within a client: oldest due date first.
    var dueDate: String
    var channels: [Channel]
    var e164: String?

    var clientId: String { client.id }
    var installmentId: String? { installment?.id }
    var subject: String { installmentId ?? "client:\(clientId)" }

    func messageKey(_ channel: Channel) -> String {
        Candidates.messageKey(clientId: clientId, installmentId: installmentId, stage: stage,
                              localDate: localDate, channel: channel)
    }

    var item: StageItem? { installment.map { StageItem(installment: $0, stage: stage) } }
}

/// A client row, as a message needs it.
public struct ClientInfo: Sendable, Equatable {
    public var id: String
    public var name: String
    public var phone: String
    public var countryCode: String?
    public var advisor: String?
    public var preferredChannel: String
    public var paymentLink: String?

    init(row: Row, prefix: String = "") {
        id = row[prefix + "id"]
        name = row[prefix + "name"]
        phone = row[prefix + "phone"]
        countryCode = row[prefix + "phone_country_code"]
        advisor = row[prefix + "advisor"]
        preferredChannel = row[prefix + "preferred_channel"]
        paymentLink = row[prefix + "payment_link"]
    }

    public static func fetch(_ db: Database, id: String) throws -> ClientInfo? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT id, name, phone, phone_country_code, advisor, preferred_channel, payment_link FROM clients WHERE id = ?
            """), arguments: [id]).map { ClientInfo(row: $0) }
    }

    public var channels: [Channel] { Self.channels(preferred: preferredChannel) }

    /// The channels a client with this preference is reminded on.
    public static func channels(preferred preferredChannel: String) -> [Channel] {
        switch PreferredChannel(rawValue: preferredChannel) {
        case .sms: [.sms]
        case .both: [.whatsapp, .sms]
        case .whatsapp, nil: [.whatsapp]
        }
    }

    /// E.164 for the opt-out check, nil when the number does not parse (the send path then
    /// records `IgnoredInvalidPhone`).
    public var e164: String? {
        try? PhoneNumberParser.parse(phone, defaultRegion: countryCode ?? "GT").e164
    }
}

enum Candidates {
    static func messageKey(clientId: String, installmentId: String?, stage: String, localDate: String, channel: Channel) -> String {
        if let installmentId { return CoveredItem.messageKey(installmentId: installmentId, stage: stage, channel: channel) }
        return "client:\(clientId)|\(stage)|\(localDate)|\(channel.rawValue)"
    }

    static let clientColumns = "c.id AS c_id, c.name AS c_name, c.phone AS c_phone, c.phone_country_code AS c_phone_country_code, c.advisor AS c_advisor, c.preferred_channel AS c_preferred_channel, c.payment_link AS c_payment_link"

    /// Installments at a stage today that have no `StageDue` for it yet.
    static func stages(_ db: Database, policy: Policy) throws -> [Candidate] {
        var out: [Candidate] = []
        var phones: [String: String?] = [:]
        let today = policy.today.iso
        let statement = try db.cachedStatement(sql: """
            SELECT \(InstallmentFacts.columns), \(clientColumns)
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
                    kind: .fresh, client: client, installment: InstallmentFacts(row: row), stage: stage, localDate: today,
                    dueDate: row["due_date"], channels: client.channels, e164: e164))
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
            guard try !Governor.itemTaken(db, itemKey: key) else { continue }
            let client = ClientInfo(row: row, prefix: "c_")
            let groupKey = installmentId + "|" + stage
            if byKey[groupKey] != nil {
                byKey[groupKey]!.channels.append(channel)
                byKey[groupKey]!.channels.sort { $0.rawValue > $1.rawValue }  // whatsapp before sms
            } else {
                byKey[groupKey] = Candidate(
                    kind: .carryOver, client: client, installment: InstallmentFacts(row: row, idColumn: "installment_id"), stage: stage,
                    localDate: row["stage_date"], dueDate: row["due_date"], channels: [channel], e164: client.e164)
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
                                 covering: "i.status = 'pending' AND i.due_date < ?", policy.today.iso)
        }
        if policy.isEnabled(StagePlan.reactivatePending) {
            out += try summaries(db, stage: StagePlan.reactivatePending, policy: policy,
                                 covering: "i.status = 'pending_confirmation' AND i.status_since < ?", pendingThreshold(policy))
        }
        return out
    }

    /// One `stage` summary per client with installments matching `filter` (one `?`, `argument`).
    private static func summaries(_ db: Database, stage: String, policy: Policy, covering filter: String, _ argument: String) throws -> [Candidate] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(InstallmentFacts.columns), \(clientColumns)
            FROM installments i JOIN clients c ON c.id = i.client_id
            WHERE \(filter) ORDER BY c.id, i.due_date, i.loan_id, i.number
            """, arguments: [argument])
        var out: [Candidate] = []
        for row in rows {
            let facts = InstallmentFacts(row: row)
            if let last = out.last, last.clientId == (row["c_id"] as String) {
                out[out.count - 1].summary.append(facts)
                continue
            }
            let client = ClientInfo(row: row, prefix: "c_")
            out.append(Candidate(kind: .reactivation, client: client, installment: nil, summary: [facts], stage: stage,
                                 localDate: policy.today.iso, dueDate: facts.dueDate, channels: client.channels, e164: client.e164))
        }
        return out
    }

    /// The installments a client's `stage` summary covers today (the same filters as `reactivation`).
    static func summaryInstallments(_ db: Database, clientId: String, stage: String, policy: Policy) throws -> [InstallmentFacts] {
        let filter = stage == StagePlan.reactivatePending
            ? "i.status = 'pending_confirmation' AND i.status_since < ?" : "i.status = 'pending' AND i.due_date < ?"
        let argument = stage == StagePlan.reactivatePending ? pendingThreshold(policy) : policy.today.iso
        return try Row.fetchAll(db, sql: """
            SELECT \(InstallmentFacts.columns) FROM installments i WHERE i.client_id = ? AND \(filter)
            ORDER BY i.due_date, i.loan_id, i.number
            """, arguments: [clientId, argument]).map { InstallmentFacts(row: $0) }
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

    /// Consecutive runs of one client's candidates (the input ordered by client).
    static func byClient(_ candidates: [Candidate]) -> [[Candidate]] {
        var out: [[Candidate]] = []
        for candidate in candidates {
            if let last = out.last?.last, last.clientId == candidate.clientId {
                out[out.count - 1].append(candidate)
            } else {
                out.append([candidate])
            }
        }
        return out
    }

    /// Where a decision starting at client group `start` ends by count: whole clients until
    /// `size` candidates are reached, at least one client.
    static func chunkEnd(_ clients: [[Candidate]], from start: Int, size: Int) -> Int {
        var end = start, count = 0
        while end < clients.count, end == start || count < max(1, size) {
            count += clients[end].count
            end += 1
        }
        return end
    }
}

extension Optional where Wrapped == Bool {
    var isTrue: Bool { self == true }
}

