import Foundation

/// How checkpoints are signed, from the environment: the key (`AVISO_CHECKPOINT_KEY`, a file
/// outside the data directory), the log's name (`AVISO_CHECKPOINT_ORIGIN`, else
/// `<key name>/ledger`) and, for `serve`, how often (`AVISO_CHECKPOINT_INTERVAL`).
///
/// A lender who set up a key wants checkpoints without a second setting, so with a key `serve`
/// signs every hour unless told otherwise (`off` stops it). An interval without a key is a
/// mistake, refused at start rather than discovered when an auditor asks.
public struct CheckpointSettings: Sendable {
    public let signer: CheckpointSigner
    public let origin: String
    /// nil: only on demand (`aviso checkpoint`).
    public let interval: Duration?

    public static let defaultInterval = Duration.seconds(3600)

    /// nil when no key is set and nothing asks for one.
    public static func fromEnvironment(_ environment: [String: String], origin: String? = nil) throws(CheckpointError) -> CheckpointSettings? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let interval = try value("AVISO_CHECKPOINT_INTERVAL").map(parseInterval) ?? .some(defaultInterval)
        guard let keyPath = value("AVISO_CHECKPOINT_KEY") else {
            guard value("AVISO_CHECKPOINT_INTERVAL") == nil || interval == nil else {
                throw .key("AVISO_CHECKPOINT_INTERVAL asks for periodic checkpoints but AVISO_CHECKPOINT_KEY is not set: "
                    + "give the path of the signing key (`aviso checkpoint keygen` makes one), or set the interval to `off`")
            }
            return nil
        }
        let signer = try CheckpointSigner(contentsOf: URL(fileURLWithPath: keyPath))
        return CheckpointSettings(signer: signer, origin: origin ?? value("AVISO_CHECKPOINT_ORIGIN") ?? "\(signer.name)/ledger",
                                  interval: interval)
    }

    /// The interval as a lender writes it (`1h`, `15m`, `90s`), nil when off.
    public var intervalText: String? {
        guard let seconds = interval?.components.seconds else { return nil }
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 { return "\(seconds / size)\(unit)" }
        return "\(seconds)s"
    }

    /// `off` or `0` (nil), or a whole number of seconds, minutes, hours or days: `90`, `90s`, `15m`, `1h`, `1d`.
    static func parseInterval(_ text: String) throws(CheckpointError) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "off" || trimmed == "0" { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let unit = trimmed.last.flatMap { units[$0] }
        guard let count = Int64(unit == nil ? trimmed : String(trimmed.dropLast())), count > 0, count <= 366 * 86_400 else {
            throw .key("AVISO_CHECKPOINT_INTERVAL `\(text.prefix(20))` is not `off` or a duration such as 90s, 15m, 1h or 1d")
        }
        return .seconds(count * (unit ?? 1))
    }
}

/// Signs checkpoints of one ledger, remembering the head it last verified so the next one
/// walks only the records appended since (the record at that head must still have its hash).
/// The first walks the whole chain: a checkpoint vouches for every record before it.
public struct CheckpointChain: Sendable {
    public let settings: CheckpointSettings
    public let files: CheckpointFiles
    public private(set) var verified: LedgerHead?

    public init(settings: CheckpointSettings, files: CheckpointFiles) {
        self.settings = settings
        self.files = files
    }

    /// Verifies the chain up to the head, signs it and stores the note. With `onlyIfGrown`, nil
    /// when the log has not grown since the last note (nothing new to vouch for).
    public mutating func sign(_ ledger: Ledger, onlyIfGrown: Bool = false) throws -> CheckpointNote? {
        let head = try ledger.verifyChain(keepingHashesAt: [], after: verified ?? .empty).head
        if onlyIfGrown, let verified, head == verified { return nil }
        let note = try settings.signer.sign(origin: settings.origin, head: head)
        try files.write(note)
        verified = head
        return note
    }
}
