import Foundation

/// The few events written and read at volume (a webhook's status, a send) are flat JSON
/// objects of strings, flags and instants. Foundation's `JSONEncoder`/`JSONDecoder` cost
/// about ten microseconds each for them; these hand-written paths cost a fraction of that.
///
/// They are narrow on purpose: they write only what they can write byte for byte as
/// `EventCatalogue.encoder` would, and read only the plain form that encoder writes. For
/// anything else (an escaped string, a fractional instant, whitespace, an unknown or
/// repeated key) they answer nil and the caller uses Foundation's codec, so what an event
/// decodes to never depends on which path read it. `FlatJSONCodecTests` holds them to that.
protocol FlatJSONCodable: EventPayload {
    /// The payload as `EventCatalogue.encoder` writes it, or nil to let it do so.
    func flatJSON() -> Data?
    /// The payload read from the plain form, or nil to let `EventCatalogue.decoder` read it.
    static func fromFlatJSON(_ reader: inout FlatJSONReader) -> Self?
}

extension FlatJSONCodable {
    /// The payload from its plain form, or nil (then Foundation's decoder reads it).
    static func readFlat(_ data: Data) -> Self? {
        FlatJSONReader.read(data) { fromFlatJSON(&$0) }
    }
}

/// Writes one JSON object; keys must come in `.sortedKeys` order (the tests compare bytes).
struct FlatJSONWriter {
    private var bytes: [UInt8] = []
    private var empty = true
    /// False once a value could not be written in the encoder's exact form.
    private(set) var exact = true

    init() {
        bytes.reserveCapacity(256)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ name: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            // Escapes are left to Foundation's encoder: ids and words never need them.
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { exact = false; return }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func bool(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
    }

    /// Whole seconds only: `.iso8601` drops a fraction, and how it does is Foundation's business.
    mutating func instant(_ name: StaticString, _ value: Date?) {
        guard let value else { return }
        let seconds = value.timeIntervalSince1970
        guard seconds.rounded(.down) == seconds, value >= EventValidation.earliest, value < EventValidation.latest else {
            exact = false
            return
        }
        key(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: Timestamps.utc(value).utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The object, or nil when some value needs Foundation's encoder.
    mutating func finish() -> Data? {
        guard exact else { return nil }
        bytes.append(UInt8(ascii: "}"))
        return Data(bytes)
    }
}

/// Reads one flat JSON object in the encoder's plain form, one member at a time.
struct FlatJSONReader {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case null
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// Set when the bytes leave the plain form; the caller then falls back.
    private(set) var failed = false

    /// Runs `body` with a reader over `data`, if it opens like an object.
    static func read<T>(_ data: Data, _ body: (inout FlatJSONReader) -> T?) -> T? {
        data.withUnsafeBytes { raw -> T? in
            guard raw.count >= 2, raw[0] == UInt8(ascii: "{") else { return nil }
            var reader = FlatJSONReader(bytes: raw)
            reader.index = 1
            guard let value = body(&reader), !reader.failed, reader.index == raw.count else { return nil }
            return value
        }
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A member's name, still in the buffer: matched against the expected names without
    /// making a `String` of it (`case "provider":` in a switch).
    struct Key {
        let bytes: UnsafeRawBufferPointer

        static func ~= (name: StaticString, key: Key) -> Bool {
            name.utf8CodeUnitCount == key.bytes.count && memcmp(name.utf8Start, key.bytes.baseAddress!, key.bytes.count) == 0
        }
    }

    /// The next member, or nil at the closing brace (or on failure: check `failed`).
    mutating func next() -> (key: Key, value: Value)? {
        guard !failed, index < bytes.count else { return fail() }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return nil
        }
        if index > 1 {
            guard bytes[index] == UInt8(ascii: ","), index + 1 < bytes.count else { return fail() }
            index += 1
        }
        guard let key = quotedBytes(), key.count > 0, index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return fail() }
        index += 1
        guard index < bytes.count else { return fail() }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            guard let text = quoted() else { return fail() }
            return (Key(bytes: key), .string(text))
        case UInt8(ascii: "t"): return literal("true", .bool(true), Key(bytes: key))
        case UInt8(ascii: "f"): return literal("false", .bool(false), Key(bytes: key))
        case UInt8(ascii: "n"): return literal("null", .null, Key(bytes: key))
        default: return fail()
        }
    }

    mutating func fail<T>() -> T? {
        failed = true
        return nil
    }

    private mutating func literal(_ word: StaticString, _ value: Value, _ key: Key) -> (key: Key, value: Value)? {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return fail() }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return fail() }
        index += count
        return (key, value)
    }

    /// A string without escapes, in valid UTF-8; anything else fails.
    private mutating func quoted() -> String? {
        guard let raw = quotedBytes() else { return nil }
        var ascii = true
        for byte in raw where byte >= 0x80 { ascii = false; break }
        // ASCII needs no validating (ids, words, instants); anything else is checked, not repaired.
        return ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
    }

    /// The bytes between the quotes of a string without escapes or control characters.
    private mutating func quotedBytes() -> UnsafeRawBufferPointer? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        index = end + 1
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}

/// Collects the members of one object, each key at most once.
struct FlatJSONFields {
    private var seen: UInt64 = 0

    /// False when field `bit` came before (a repeated key: Foundation decides what that means).
    mutating func first(_ bit: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(bit)
        defer { seen |= mask }
        return seen & mask == 0
    }

    static func text(_ value: FlatJSONReader.Value) -> String?? {
        switch value {
        case let .string(s): return .some(s)
        case .null: return .some(nil)
        case .bool: return nil
        }
    }

    static func flag(_ value: FlatJSONReader.Value) -> Bool?? {
        switch value {
        case let .bool(b): return .some(b)
        case .null: return .some(nil)
        case .string: return nil
        }
    }

    /// An instant as `EventCatalogue.decoder` reads it first (`StrictInstant`).
    static func instant(_ value: FlatJSONReader.Value) -> Date?? {
        switch value {
        case let .string(s): return (try? StrictInstant.parse(s)).map { .some($0) }
        case .null: return .some(nil)
        case .bool: return nil
        }
    }
}
