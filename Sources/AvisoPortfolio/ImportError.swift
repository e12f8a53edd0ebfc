/// A row that can't be imported, located precisely: file, line (1-based, header is line 1
/// in CSV; the array index + 1 in JSON) and column.
public struct ImportError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let line: Int
    public let column: String?
    public let message: String

    public var description: String {
        let place = column.map { "\(file):\(line): column `\($0)`" } ?? "\(file):\(line)"
        return "\(place): \(message)"
    }
}
