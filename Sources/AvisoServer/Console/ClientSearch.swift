import AvisoLedger
import AvisoProjections
import Foundation
import GRDB

/// Finds clients by name (any part, accents and case ignored), id, or the last digits of
/// the phone, among the clients the caller may see (`MessageScope`: an asesor's own only).
enum ClientSearch {
    static let limit = 50

    static func find(_ query: String, for caller: Caller, _ db: Database) throws -> (total: Int, clients: [ClientRecord]) {
        let scope = try MessageScope.clients(for: caller, db).clients
        let text = fold(query)
        guard !text.isEmpty else { return (scope.count, Array(scope.prefix(limit))) }
        let digits = query.filter(\.isASCII).filter(\.isNumber)
        // Three digits or more: a phone's tail. Fewer would match half the portfolio.
        let byPhone = digits.count >= 3 && digits.count == query.filter { !$0.isWhitespace && $0 != "-" }.count
        let found = scope.filter { client in
            fold(client.name).contains(text) || fold(client.id) == text || fold(client.id).hasPrefix(text)
                || (byPhone && client.phone.filter(\.isASCII).filter(\.isNumber).hasSuffix(digits))
        }
        return (found.count, Array(found.prefix(limit)))
    }

    static func fold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
