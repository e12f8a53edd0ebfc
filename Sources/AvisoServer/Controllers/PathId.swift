import Foundation
import Hummingbird

/// An id from the request path (`/api/clients/{id}`), percent-decoded and validated, so
/// `C%20001` is stored as `C 001` and not as the escape, and an id can never carry a slash,
/// a control character or a page of text.
enum PathId {
    static let maxLength = 64

    static func decode(_ raw: Substring) throws -> String {
        guard let decoded = String(raw).removingPercentEncoding, isValid(decoded) else {
            throw APIError.badRequest("the id in the path must be 1–\(maxLength) letters, digits, spaces or - _ . : @ # (percent-encoded as needed)",
                                      code: "invalid_id")
        }
        return decoded
    }

    static func isValid(_ id: String) -> Bool {
        guard (1...maxLength).contains(id.count), id.trimmingCharacters(in: .whitespaces) == id else { return false }
        return id.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || " -_.:@#".unicodeScalars.contains($0) }
    }

    /// The `{id}` parameter of the matched route, decoded and validated.
    static func require(_ context: some RequestContext) throws -> String {
        try decode(try context.parameters.require("id")[...])
    }
}
