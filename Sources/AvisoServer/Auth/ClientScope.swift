import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// Which clients a caller may see: admins and the cron all; an asesor the clients whose
/// `advisor` is their name; a cliente only the client their account is linked to.
enum ClientScope {
    /// The client, if it exists and the caller may see it. A cliente asking for another
    /// client is refused without even looking it up.
    static func client(_ id: String, for caller: Caller, _ db: Database) throws -> ClientRecord {
        if caller.role == .cliente, caller.clientId != id {
            throw APIError.forbidden("this account can only see its own client")
        }
        guard let client = try ClientRecord.fetchOne(db, key: id) else { throw APIError.notFound("no client `\(id)`") }
        if caller.role == .asesor, !sameName(client.advisor, caller.name) {
            throw APIError.forbidden("client `\(id)` is not one of your clients")
        }
        return client
    }

    static func sameName(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        let fold = { (s: String) in s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        return fold(a) == fold(b)
    }
}
