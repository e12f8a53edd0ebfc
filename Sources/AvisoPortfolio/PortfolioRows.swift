import AvisoLedger
import Foundation

/// Rows of an import file as field dictionaries, whatever the format, each with its line.
struct SourceRow {
    let line: Int
    let fields: [String: String]
}

enum PortfolioFile {
    /// Reads CSV (header row) or JSON (an array of objects). The format comes from the
    /// extension, else from the first character.
    static func rows(_ url: URL, required: [String]) throws -> [SourceRow] {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImportError(file: name, line: 0, column: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError(file: name, line: 1, column: nil, message: "the file is not UTF-8 text")
        }
        let isJSON = url.pathExtension.lowercased() == "json"
            || (url.pathExtension.lowercased() != "csv" && text.drop(while: \.isWhitespace).first == "[")
        return isJSON ? try jsonRows(text, data: data, file: name, required: required)
                      : try csvRows(text, file: name, required: required)
    }

    private static func csvRows(_ text: String, file: String, required: [String]) throws -> [SourceRow] {
        let table: CSVTable
        do {
            table = try CSVTable(text: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        } catch {
            throw ImportError(file: file, line: error.line, column: error.column, message: error.message)
        }
        if let missing = required.first(where: { !table.header.contains($0) }) {
            throw ImportError(file: file, line: 1, column: missing, message: "required column is missing from the header")
        }
        return try table.rows.map { row in
            guard row.fields.count == table.header.count else {
                throw ImportError(file: file, line: row.line, column: nil,
                                  message: "has \(row.fields.count) fields, the header has \(table.header.count)")
            }
            return SourceRow(line: row.line, fields: Dictionary(zip(table.header, row.fields), uniquingKeysWith: { a, _ in a }))
        }
    }

    private static func jsonRows(_ text: String, data: Data, file: String, required: [String]) throws -> [SourceRow] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ImportError(file: file, line: 1, column: nil, message: "not valid JSON")
        }
        guard let array = parsed as? [Any] else {
            throw ImportError(file: file, line: 1, column: nil, message: "expected a JSON array of objects")
        }
        return try objectRows(array, file: file, required: required)
    }

    /// Decoded JSON objects as rows (a file's array, or the API's one object, in memory).
    /// JSON has no useful lines: "line" is the item's number in the array (1-based).
    static func objectRows(_ array: [Any], file: String, required: [String]) throws -> [SourceRow] {
        try array.enumerated().map { index, item in
            guard let object = item as? [String: Any] else {
                throw ImportError(file: file, line: index + 1, column: nil, message: "item is not a JSON object")
            }
            var fields: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let s as String: fields[key.lowercased()] = s
                case is NSNull: break
                case let n as NSNumber: fields[key.lowercased()] = n.stringValue
                default:
                    throw ImportError(file: file, line: index + 1, column: key, message: "must be a string or a number")
                }
            }
            if let missing = required.first(where: { fields[$0] == nil }) {
                throw ImportError(file: file, line: index + 1, column: missing, message: "required field is missing")
            }
            return SourceRow(line: index + 1, fields: fields)
        }
    }
}

/// Field validation with errors that point at the cell.
struct RowReader {
    let file: String
    let row: SourceRow

    func error(_ column: String?, _ message: String) -> ImportError {
        ImportError(file: file, line: row.line, column: column, message: message)
    }

    func optional(_ column: String) -> String? {
        guard let v = row.fields[column]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    func required(_ column: String) throws -> String {
        guard let v = optional(column) else { throw error(column, "must not be empty") }
        return v
    }

    func oneOf<T: RawRepresentable>(_ column: String, default fallback: T? = nil) throws -> T where T.RawValue == String, T: CaseIterable {
        guard let raw = optional(column) else {
            if let fallback { return fallback }
            throw error(column, "must not be empty")
        }
        guard let value = T(rawValue: raw.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(column, "`\(raw)` is not one of: \(allowed)")
        }
        return value
    }
}
