import AvisoMessaging
import Foundation

/// The fixtures Aviso ships (default templates, the demo portfolio): the copies compiled into
/// the binary, or the files of a folder laid out like `Fixtures/` (`AVISO_FIXTURES`, to try
/// other texts without rebuilding). Never looked up in the build machine's source tree.
public struct ShippedFixtures: Sendable {
    /// nil: the compiled-in copies.
    public let directory: URL?

    public init(directory: URL?) {
        self.directory = directory
    }

    public static let embedded = ShippedFixtures(directory: nil)

    /// `AVISO_FIXTURES` when set, else the compiled-in copies.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ShippedFixtures {
        guard let path = environment["AVISO_FIXTURES"], !path.isEmpty else { return .embedded }
        return ShippedFixtures(directory: URL(fileURLWithPath: path, isDirectory: true))
    }

    /// The bytes of `path` (relative to `Fixtures/`, e.g. `templates/defaults.json`).
    public func data(_ path: String) throws -> Data {
        if let directory { return try Data(contentsOf: directory.appendingPathComponent(path)) }
        guard let text = EmbeddedFixtures.files[path] else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return Data(text.utf8)
    }

    /// The default templates, checked (every stage × channel once, each valid).
    public func defaultTemplates() throws -> [MessageTemplate] {
        try DefaultTemplates.load(data: data("templates/defaults.json"))
    }

    /// Runs `body` with the demo portfolio's clients and installments files. The import reads
    /// files (and names them in its errors), so compiled-in copies are written to a private
    /// temporary folder for the duration.
    public func withDemoFiles<T>(_ body: (_ clients: URL, _ installments: URL) async throws -> T) async throws -> T {
        if let directory {
            let demo = directory.appendingPathComponent("demo", isDirectory: true)
            return try await body(demo.appendingPathComponent("clients.csv"), demo.appendingPathComponent("installments.csv"))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-demo-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let clients = folder.appendingPathComponent("clients.csv"), installments = folder.appendingPathComponent("installments.csv")
        try data("demo/clients.csv").write(to: clients)
        try data("demo/installments.csv").write(to: installments)
        return try await body(clients, installments)
    }
}
