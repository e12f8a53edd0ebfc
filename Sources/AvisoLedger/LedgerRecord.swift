import Crypto
import Foundation

/// One stored event: its place in the log, when it was appended, what it is, who caused it,
/// its JSON payload, and the hash that chains it to the record before it.
public struct LedgerRecord: Sendable, Equatable {
    public let position: UInt64
    public let time: Date
    public let type: String
    public let schemaVersion: Int
    public let actor: String
    public let payload: Data
    /// SHA-256 over (previous record's hash ‖ position ‖ this record's body).
    public let hash: Data

    /// Decodes the payload into the typed catalogue (unknown future types decode as `.unknown`).
    public func decodeEvent() throws -> LedgerEvent {
        try EventCatalogue.decode(type: type, version: schemaVersion, payload: payload)
    }
}

/// The on-disk layout of a record value. Binary header, JSON payload, then the hash:
///
///     u8 format (1) | i64 time ms | u16 schema version | u16 len + type | u16 len + actor
///     | u32 len + payload JSON | 32 bytes hash
///
/// The key is the position as 8 big-endian bytes, so LMDB's byte order is the log's order.
enum RecordCodec {
    static let format: UInt8 = 1
    static let hashSize = 32
    static let genesisHash = Data(repeating: 0, count: 32)

    static func key(_ position: UInt64) -> [UInt8] {
        withUnsafeBytes(of: position.bigEndian) { Array($0) }
    }

    static func position(fromKey key: UnsafeRawBufferPointer) throws -> UInt64 {
        guard key.count == 8 else { throw LedgerError.corruptRecord(position: 0, reason: "key of \(key.count) bytes") }
        return key.reduce(0) { ($0 << 8) | UInt64($1) }
    }

    /// The body (everything but the hash) of a new record.
    static func body(time: Date, type: String, schemaVersion: Int, actor: String, payload: Data) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1 + 8 + 2 + 2 + type.utf8.count + 2 + actor.utf8.count + 4 + payload.count + hashSize)
        appendBody(to: &out, millis: millis(time), type: type, schemaVersion: schemaVersion, actor: actor, payload: payload)
        return out
    }

    static func millis(_ time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 * 1000).rounded())
    }

    /// Appends a record body to `out`: the writer reuses one buffer for a whole transaction.
    static func appendBody(to out: inout [UInt8], millis: Int64, type: String, schemaVersion: Int, actor: String, payload: Data) {
        out.append(format)
        withUnsafeBytes(of: millis.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(schemaVersion).bigEndian) { out.append(contentsOf: $0) }
        appendShortString(type, to: &out)
        appendShortString(actor, to: &out)
        withUnsafeBytes(of: UInt32(payload.count).bigEndian) { out.append(contentsOf: $0) }
        payload.withUnsafeBytes { out.append(contentsOf: $0) }
    }

    static func chainHash(previous: Data, position: UInt64, body: [UInt8]) -> Data {
        body.withUnsafeBytes { chainHash(previous: previous, position: position, body: $0) }
    }

    static func chainHash(previous: Data, position: UInt64, body: UnsafeRawBufferPointer) -> Data {
        previous.withUnsafeBytes { chainDigest(previous: $0, position: position, body: body) }.withUnsafeBytes { Data($0) }
    }

    /// The chain's one formula: SHA-256(previous hash ‖ position, 8 bytes big-endian ‖ body).
    static func chainDigest(previous: UnsafeRawBufferPointer, position: UInt64, body: UnsafeRawBufferPointer) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        withUnsafeBytes(of: position.bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return hasher.finalize()
    }

    static func decode(position: UInt64, value: UnsafeRawBufferPointer) throws -> LedgerRecord {
        var reader = ByteReader(bytes: value, position: position)
        let fmt = try reader.u8()
        guard fmt == format else { throw LedgerError.corruptRecord(position: position, reason: "unknown record format \(fmt)") }
        let millis = Int64(bitPattern: try reader.u64())
        let version = Int(try reader.u16())
        let type = try reader.string(length: Int(try reader.u16()))
        let actor = try reader.string(length: Int(try reader.u16()))
        let payload = try reader.bytes(Int(try reader.u32()))
        let hash = try reader.bytes(hashSize)
        guard reader.isAtEnd else { throw LedgerError.corruptRecord(position: position, reason: "trailing bytes") }
        return LedgerRecord(position: position, time: Date(timeIntervalSince1970: Double(millis) / 1000),
                            type: type, schemaVersion: version, actor: actor, payload: payload, hash: hash)
    }

    /// The hashed part of a stored value: everything but its last 32 bytes.
    static func storedBody(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: value[0..<max(0, value.count - hashSize)])
    }

    private static func appendShortString(_ s: String, to out: inout [UInt8]) {
        // Types and actors are short names; anything longer than a u16 length is cut.
        let utf8 = s.utf8
        let count = min(utf8.count, Int(UInt16.max))
        withUnsafeBytes(of: UInt16(count).bigEndian) { out.append(contentsOf: $0) }
        if count == utf8.count { out.append(contentsOf: utf8) } else { out.append(contentsOf: utf8.prefix(count)) }
    }
}

private struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let position: UInt64
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, position: UInt64) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, offset + n <= bytes.count else {
            throw LedgerError.corruptRecord(position: position, reason: "record truncated")
        }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    }

    mutating func u8() throws -> UInt8 { try take(1)[0] }
    mutating func u16() throws -> UInt16 { try take(2).reduce(0) { ($0 << 8) | UInt16($1) } }
    mutating func u32() throws -> UInt32 { try take(4).reduce(0) { ($0 << 8) | UInt32($1) } }
    mutating func u64() throws -> UInt64 { try take(8).reduce(0) { ($0 << 8) | UInt64($1) } }
    mutating func bytes(_ n: Int) throws -> Data { Data(try take(n)) }
    mutating func string(length: Int) throws -> String {
        let raw = try take(length)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw LedgerError.corruptRecord(position: position, reason: "text is not UTF-8")
        }
        return s
    }
}
