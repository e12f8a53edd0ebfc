import Hummingbird

/// A posted `application/x-www-form-urlencoded` body, parsed by the server's `FormEncoding`.
/// Repeated names (checkboxes) keep every value.
struct FormFields: Sendable {
    let pairs: [(name: String, value: String)]

    static func read(_ request: Request, context: AppRequestContext, limit: Int = 256 * 1024) async throws -> FormFields {
        var request = request
        let body = try await request.collectBody(upTo: limit)
        return FormFields(pairs: FormEncoding.parse(String(buffer: body)))
    }

    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The value trimmed, "" when absent.
    func text(_ name: String) -> String { (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
}
