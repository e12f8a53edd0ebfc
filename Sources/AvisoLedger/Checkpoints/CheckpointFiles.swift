import Foundation

/// Signed checkpoints on disk: `<size>.note` for each, and `latest.note`, in a folder of their
/// own (`<data>/checkpoints`), written from the ledger's head, never from the read models.
public struct CheckpointFiles: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var latestURL: URL { directory.appendingPathComponent("latest.note") }

    /// Writes `note` as `<size>.note` and `latest.note`, each by rename (never half-written).
    public func write(_ note: CheckpointNote) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["\(note.size).note", "latest.note"] {
            let target = directory.appendingPathComponent(name)
            let temporary = directory.appendingPathComponent(".\(name).\(UUID().uuidString)")
            try Data(note.text.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
            }
        }
    }

    /// The latest note, nil when none was written.
    public func latest() throws -> CheckpointNote? {
        guard let text = try? String(contentsOf: latestURL, encoding: .utf8) else { return nil }
        return try CheckpointNote(parsing: text)
    }

    /// Refuses a ledger shorter than a checkpoint it once signed: records it had are gone
    /// (a truncated file, or an older copy put back). Nothing should run on it unnoticed.
    public func checkNotAhead(of head: LedgerHead) throws {
        guard let note = try latest(), note.size > head.position else { return }
        throw CheckpointError.mismatch("""
            \(latestURL.path) says this log had \(note.size) records, but it has \(head.position): records are missing. \
            If an older backup was restored on purpose, move \(directory.path) aside first
            """)
    }
}
