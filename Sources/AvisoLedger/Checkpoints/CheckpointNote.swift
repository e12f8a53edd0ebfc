import Crypto
import Foundation

/// A signed statement of the log's size and head hash, in C2SP `tlog-checkpoint` form inside a
/// C2SP `signed-note`:
///
///     aviso.example.gt/ledger          ← origin: names the log
///     42068                            ← size: the head position
///     q0Bq3sKk…=                       ← base64 of the head's chain hash
///                                      ← blank line
///     — aviso.example.gt AbCdEf…=      ← "— " key name, base64(4-byte key id ‖ Ed25519 signature)
///
/// The signature covers the text above the blank line, newline included. Anyone holding the
/// public key can check it; with a copy of the ledger they can check the log had that head at
/// that size, and that a later checkpoint extends an earlier one.
public struct CheckpointNote: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var hash: Data
    public var keyName: String
    public var keyID: Data
    public var signature: Data

    /// The signed part: the three checkpoint lines.
    public static func body(origin: String, size: UInt64, hash: Data) -> String {
        "\(origin)\n\(size)\n\(hash.base64EncodedString())\n"
    }

    public var body: String { Self.body(origin: origin, size: size, hash: hash) }

    /// The whole note, as stored and served.
    public var text: String {
        body + "\n" + "\u{2014} \(keyName) " + (keyID + signature).base64EncodedString() + "\n"
    }

    /// Parses a note; every malformed part is named.
    public init(parsing text: String) throws(CheckpointError) {
        let parts = text.components(separatedBy: "\n\n")
        guard parts.count >= 2 else { throw .malformed("no blank line between the checkpoint and its signature") }
        let lines = parts[0].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw .malformed("a checkpoint has an origin, a size and a hash line") }
        guard !lines[0].isEmpty, lines[0].unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .malformed("the origin line is empty or not printable ASCII")
        }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else { throw .malformed("the size line `\(lines[1].prefix(40))` is not a decimal number") }
        guard let hash = Data(base64Encoded: lines[2]), hash.count == 32 else { throw .malformed("the hash line is not base64 of 32 bytes") }
        let signatureLines = parts[1...].joined(separator: "\n\n").split(separator: "\n").map(String.init)
        guard let line = signatureLines.first(where: { $0.hasPrefix("\u{2014} ") }) else { throw .malformed("no signature line (— name signature)") }
        let fields = line.dropFirst(2).split(separator: " ")
        guard fields.count == 2, let blob = Data(base64Encoded: String(fields[1])), blob.count == 4 + 64 else {
            throw .malformed("the signature line is not `— <name> <base64 of key id and Ed25519 signature>`")
        }
        origin = lines[0]
        self.size = size
        self.hash = hash
        keyName = String(fields[0])
        keyID = blob.prefix(4)
        signature = blob.dropFirst(4)
    }

    init(origin: String, size: UInt64, hash: Data, keyName: String, keyID: Data, signature: Data) {
        self.origin = origin
        self.size = size
        self.hash = hash
        self.keyName = keyName
        self.keyID = keyID
        self.signature = signature
    }
}

public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case key(String)
    case badSignature(String)
    case mismatch(String)

    public var description: String {
        switch self {
        case let .malformed(why): "checkpoint: \(why)"
        case let .key(why): "checkpoint key: \(why)"
        case let .badSignature(why): "checkpoint signature: \(why)"
        case let .mismatch(why): "checkpoint does not match the ledger: \(why)"
        }
    }
}
