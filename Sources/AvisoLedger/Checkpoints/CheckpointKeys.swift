import Crypto
import Foundation

/// The Ed25519 key that signs checkpoints, kept outside the data directory: whoever holds the
/// data directory must not be able to sign a rewritten log's checkpoint.
///
/// Files: the private key is `PRIVATE+<name>+<base64 of the 32-byte seed>` (mode 0600); the
/// public key is C2SP's verifier key, `<name>+<hex key id>+<base64 of 0x01 ‖ public key>`.
public struct CheckpointSigner: Sendable {
    public let name: String
    /// The 32-byte seed and public key (swift-crypto's key types are not `Sendable`).
    private let seed: Data
    private let publicKey: Data

    public init(name: String, key: Curve25519.Signing.PrivateKey) throws(CheckpointError) {
        guard CheckpointVerifier.isValidName(name) else { throw .key("the key name must be printable ASCII without spaces or +") }
        self.name = name
        seed = key.rawRepresentation
        publicKey = key.publicKey.rawRepresentation
    }

    private func key() throws -> Curve25519.Signing.PrivateKey { try Curve25519.Signing.PrivateKey(rawRepresentation: seed) }

    public static func generate(name: String) throws(CheckpointError) -> CheckpointSigner {
        try CheckpointSigner(name: name, key: Curve25519.Signing.PrivateKey())
    }

    /// Reads a private key file (see the type's comment); the error never shows the key.
    public init(contentsOf url: URL) throws(CheckpointError) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw .key("cannot read \(url.path)") }
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2).map(String.init)
        guard fields.count == 3, fields[0] == "PRIVATE", let seed = Data(base64Encoded: fields[2]), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .key("\(url.path) is not an Aviso checkpoint private key (PRIVATE+<name>+<base64 seed>)")
        }
        try self.init(name: fields[1], key: key)
    }

    public var privateKeyFile: String { "PRIVATE+\(name)+\(seed.base64EncodedString())\n" }

    public var verifier: CheckpointVerifier { CheckpointVerifier(name: name, publicKey: publicKey) }

    public func sign(origin: String, head: LedgerHead) throws -> CheckpointNote {
        let body = CheckpointNote.body(origin: origin, size: head.position, hash: head.hash)
        let signature = try key().signature(for: Data(body.utf8))
        return CheckpointNote(origin: origin, size: head.position, hash: head.hash, keyName: name,
                              keyID: verifier.keyID, signature: Data(signature))
    }
}

public struct CheckpointVerifier: Sendable {
    public let name: String
    /// The 32-byte Ed25519 public key.
    public let publicKey: Data

    public init(name: String, key: Curve25519.Signing.PublicKey) {
        self.init(name: name, publicKey: key.rawRepresentation)
    }

    init(name: String, publicKey: Data) {
        self.name = name
        self.publicKey = publicKey
    }

    /// Parses a C2SP verifier key: `<name>+<hex key id>+<base64 of 0x01 ‖ public key>`.
    public init(parsing text: String) throws(CheckpointError) {
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2).map(String.init)
        guard fields.count == 3, let blob = Data(base64Encoded: fields[2]), blob.count == 33, blob.first == 0x01,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: blob.dropFirst()) else {
            throw .key("not a verifier key (<name>+<hex id>+<base64 of 0x01 and the Ed25519 public key>)")
        }
        self.init(name: fields[0], key: key)
        guard fields[1] == keyID.map({ String(format: "%02x", $0) }).joined() else {
            throw .key("the verifier key's id does not match its name and key")
        }
    }

    /// C2SP key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
    public var keyID: Data {
        Data(SHA256.hash(data: Data(name.utf8) + Data([0x0A, 0x01]) + publicKey).prefix(4))
    }

    public var text: String {
        "\(name)+\(keyID.map { String(format: "%02x", $0) }.joined())+\((Data([0x01]) + publicKey).base64EncodedString())\n"
    }

    /// Checks the note is signed by this key (name, id and Ed25519 signature over its body).
    public func check(_ note: CheckpointNote) throws(CheckpointError) {
        guard note.keyName == name, note.keyID == keyID else {
            throw .badSignature("signed by `\(note.keyName)`, not by the key given (`\(name)`)")
        }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
              key.isValidSignature(note.signature, for: Data(note.body.utf8)) else {
            throw .badSignature("the Ed25519 signature does not match the checkpoint's text")
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "+" }
    }
}
