import AvisoLedger
import AvisoPortfolio
import AvisoProjections
import Foundation
import GRDB
import Hummingbird

/// The portfolio API for the lender's own system: the same validation and the same events
/// as `aviso import`, one record at a time.
///
/// Each request's object goes through `PortfolioImport`'s row-level entry point, in memory:
/// one set of rules for CSV, JSON and HTTP, and no temporary file.
struct PortfolioController {
    typealias Context = AppRequestContext
    let store: AvisoStore

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.put("clients/{id}", use: putClient)
        routes.put("installments/{id}", use: putInstallment)
        routes.post("installments/{id}/paid", use: markPaid)
        return routes
    }

    struct UpsertResult: Encodable {
        var id: String
        var changed: Bool
        var position: UInt64?
    }

    @Sendable func putClient(_ request: Request, context: Context) async throws -> Response {
        let id = try PathId.require(context)
        let fields = try await Self.fields(request, context: context, id: id)
        let summary = try await importOne(fields, asClient: true, actor: context.caller!.actor)
        return try JSONResponse.make(UpsertResult(id: id, changed: summary.clientsChanged > 0, position: summary.positions.last))
    }

    @Sendable func putInstallment(_ request: Request, context: Context) async throws -> Response {
        let id = try PathId.require(context)
        let fields = try await Self.fields(request, context: context, id: id)
        let summary = try await importOne(fields, asClient: false, actor: context.caller!.actor)
        return try JSONResponse.make(UpsertResult(id: id, changed: summary.installmentsChanged > 0, position: summary.positions.last))
    }

    struct PaidBody: Decodable {
        var paidOn: String?
    }

    @Sendable func markPaid(_ request: Request, context: Context) async throws -> Response {
        let id = try PathId.require(context)
        let body = try await request.body.collect(upTo: 64 * 1024)
        var paidOn: String?
        if body.readableBytes > 0 {
            do {
                paidOn = try JSONDecoder().decode(PaidBody.self, from: Data(buffer: body)).paidOn
            } catch {
                throw APIError.badRequest("expected JSON {paidOn?: \"YYYY-MM-DD\"}", code: "invalid_json")
            }
        }
        if let paidOn, !Self.isCalendarDate(paidOn) {
            throw APIError.unprocessable("paidOn: `\(paidOn)` is not a date YYYY-MM-DD")
        }
        let actor = context.caller!.actor
        let paidDate = paidOn
        let outcome = OutcomeBox()
        let positions = try await store.appendDeciding { db in
            guard let installment = try InstallmentRecord.fetchOne(db, key: id) else {
                outcome.value = .missing
                return []
            }
            guard installment.status != "paid" else {
                outcome.value = .alreadyPaid
                return []
            }
            outcome.value = .paid
            return [NewEvent(.installmentPaid(InstallmentPaid(installmentId: id, clientId: installment.clientId, paidOn: paidDate)), actor: actor)]
        }
        if outcome.value == .missing { throw APIError.notFound("no installment `\(id)`") }
        return try JSONResponse.make(UpsertResult(id: id, changed: outcome.value == .paid, position: positions.last))
    }

    // MARK: Helpers

    /// The JSON object body as import fields, with `id` taken from the path. camelCase keys
    /// are accepted as well as the import files' snake_case.
    static func fields(_ request: Request, context: Context, id: String) async throws -> [String: Any] {
        let body = try await request.body.collect(upTo: 256 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw APIError.badRequest("expected a JSON object", code: "invalid_json")
        }
        var fields: [String: Any] = [:]
        for (key, value) in object {
            let snake = key.reduce(into: "") { out, c in
                if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
            }
            fields[snake] = value
        }
        if let bodyId = fields["id"] as? String, bodyId != id {
            throw APIError.unprocessable("id: the body says `\(bodyId)` but the path says `\(id)`")
        }
        fields["id"] = id
        return fields
    }

    func importOne(_ fields: [String: Any], asClient: Bool, actor: String) async throws -> ImportSummary {
        do {
            // In memory, through the importer's row-level entry point: the same checks as a file.
            return try await PortfolioImport.run(clientObjects: asClient ? [fields] : [], installmentObjects: asClient ? [] : [fields],
                                                 source: asClient ? "client.json" : "installment.json", into: store, actor: actor)
        } catch let error as ImportError {
            let place = error.column.map { "\($0): " } ?? ""
            throw APIError.unprocessable(place + error.message)
        }
    }

    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return false }
        return DateComponents(calendar: Calendar(identifier: .gregorian), year: y, month: m, day: d).isValidDate
    }
}

private enum PaidOutcome { case missing, alreadyPaid, paid }

/// Carries a decision out of the deciding closure (it runs on the ledger's writer thread).
private final class OutcomeBox: @unchecked Sendable {
    var value: PaidOutcome = .missing
}
