import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// Where the shipped fixtures are: `AVISO_FIXTURES`, else `Fixtures/` at the repository root.
public enum FixturesLocation {
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["AVISO_FIXTURES"], !path.isEmpty { return URL(fileURLWithPath: path, isDirectory: true) }
        // Sources/AvisoScheduler/DefaultTemplateSeed.swift → repository root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)
    }
}

/// The shipped Spanish templates, recorded before anything renders: `aviso serve` and
/// `aviso run` both need them on a new data directory.
public enum DefaultTemplateSeed {
    /// Appends each template of `Fixtures/templates/defaults.json` that has no saved version yet
    /// (a new data directory, or a stage added by a newer Aviso) as `TemplateChanged` (origin
    /// `default`, actor `system`), deciding under the ledger's write lock so two processes never
    /// both seed. Templates an admin already has are never touched. Returns how many were appended.
    @discardableResult
    public static func loadIfEmpty(store: AvisoStore, fixtures: URL = FixturesLocation.directory()) async throws -> Int {
        let defaults = try DefaultTemplates.load(from: fixtures.appendingPathComponent("templates/defaults.json"))
        let positions = try await store.appendDeciding { db in
            let saved = Set(try TemplateRecord.fetchAll(db).map { "\($0.stage)/\($0.channel)" })
            return defaults.filter { !saved.contains("\($0.stage.rawValue)/\($0.channel.rawValue)") }
                .map { NewEvent(.templateChanged($0.changed(origin: "default")), actor: "system") }
        }
        return positions.count
    }
}
