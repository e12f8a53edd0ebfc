import Foundation

/// A small, strict RFC 4180 reader: quoted fields, doubled quotes, commas and newlines inside
/// quotes. Strict: after a closing quote only a comma or the end of the line may follow
/// (`"Ana"xyz` is an error, never `Anaxyz`), and a quote may not appear inside an unquoted
/// field. It keeps the line each row starts on, and the field and character where a
/// quoting error is, so errors can say where.
struct CSVTable {
    struct Row {
        let line: Int
        let fields: [String]
    }

    let header: [String]
    let rows: [Row]

    struct ParseError: Error {
        let line: Int
        /// 1-based field of the record, when the error is inside one.
        var field: Int? = nil
        /// The header's names, when the error is below it.
        var header: [String]? = nil
        let message: String

        /// The header's name for `field`, else "field N".
        var column: String? {
            guard let field else { return nil }
            if let header, field <= header.count { return header[field - 1] }
            return "field \(field)"
        }
    }

    init(text: String) throws(ParseError) {
        var records: [Row] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var character = 0  // of the current line, 1-based once a scalar is read
        var fieldWasQuoted = false
        var afterClosingQuote = false
        var iterator = text.unicodeScalars.makeIterator()

        func normalized(_ fields: [String]) -> [String] { fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
        func fail(_ message: String, at errorLine: Int) -> ParseError {
            ParseError(line: errorLine, field: fields.count + 1, header: records.first.map { normalized($0.fields) }, message: message)
        }
        func endField() {
            fields.append(field)
            field = ""
            fieldWasQuoted = false
            afterClosingQuote = false
        }
        func endRecord() {
            let quoted = fieldWasQuoted
            endField()
            // Blank lines separate nothing: skip them.
            if !(fields.count == 1 && fields[0].isEmpty && !quoted) {
                records.append(Row(line: recordLine, fields: fields))
            }
            fields = []
        }

        while let c = iterator.next() {
            character += 1
            if inQuotes {
                if c == "\"" {
                    inQuotes = false
                    afterClosingQuote = true
                } else {
                    if c == "\n" { line += 1; character = 0 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            if afterClosingQuote {
                switch c {
                case "\"":
                    // A doubled quote inside a quoted field: one literal quote, still quoted.
                    field.unicodeScalars.append("\"")
                    inQuotes = true
                    afterClosingQuote = false
                    continue
                case ",", "\n", "\r":
                    break
                default:
                    throw fail("unexpected `\(Character(c))` after the closing quote (character \(character) of line \(line)); "
                               + "a quoted field ends at a comma or the end of the line, and a quote inside it is written twice",
                               at: line)
                }
            }
            switch c {
            case "\"":
                guard field.isEmpty && !fieldWasQuoted else {
                    throw fail("a quote inside an unquoted field (character \(character) of line \(line)); "
                               + "quote the whole field and write the quote inside it twice", at: line)
                }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                endField()
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                character = 0
                recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw fail("unterminated quoted field", at: recordLine) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        guard let first = records.first else { throw ParseError(line: 1, message: "the file is empty (a header row is required)") }
        header = normalized(first.fields)
        rows = Array(records.dropFirst())
    }
}
