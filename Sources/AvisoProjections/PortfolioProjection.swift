import AvisoLedger
import GRDB

/// `clients` and `installments`: the portfolio as last imported, and payments.
struct PortfolioApplier: ProjectionApplier {
    func apply(_ record: LedgerRecord, decoded: Result<LedgerEvent, any Error>, _ db: Database) throws {
        guard case let .success(event) = decoded else { return }
        let at = Timestamps.utc(record.time)
        switch event {
        case let .clientUpserted(e):
            try db.cachedStatement(sql: """
                INSERT INTO clients (id, name, phone, phone_country_code, advisor, preferred_channel, payment_link, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, phone = excluded.phone,
                  phone_country_code = excluded.phone_country_code, advisor = excluded.advisor,
                  preferred_channel = excluded.preferred_channel, payment_link = excluded.payment_link,
                  updated_at = excluded.updated_at
                """).execute(arguments: [e.id, e.name, e.phone, e.phoneCountryCode, e.advisor, e.preferredChannel.rawValue, e.paymentLink, at])

        case let .installmentUpserted(e):
            try db.cachedStatement(sql: """
                INSERT INTO installments (id, client_id, loan_id, number, due_date, amount_minor, currency, status, status_since, paid_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                ON CONFLICT(id) DO UPDATE SET client_id = excluded.client_id, loan_id = excluded.loan_id,
                  number = excluded.number, due_date = excluded.due_date, amount_minor = excluded.amount_minor,
                  currency = excluded.currency,
                  status_since = CASE WHEN installments.status = excluded.status THEN installments.status_since ELSE excluded.status_since END,
                  status = excluded.status
                """).execute(arguments: [e.id, e.clientIdentifier, e.loanId, e.number, e.dueDate, e.amountMinor, e.currency, e.status.rawValue, at])

        case let .installmentPaid(e):
            try db.cachedStatement(sql: """
                UPDATE installments SET status = 'paid', paid_on = ?, status_since = ? WHERE id = ? AND status <> 'paid'
                """).execute(arguments: [e.paidOn ?? String(at.prefix(10)), at, e.installmentId])

        default:
            break
        }
    }
}
