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
    /// Appends `Fixtures/templates/defaults.json` as `TemplateChanged` (origin `default`, actor
    /// `system`) when the templates table is empty, deciding under the ledger's write lock so
    /// two processes never both seed. Returns how many were appended.
    @discardableResult
    public static func loadIfEmpty(store: AvisoStore, fixtures: URL = FixturesLocation.directory()) async throws -> Int {
        let events = try DefaultTemplates.load(from: fixtures.appendingPathComponent("templates/defaults.json"))
            .map { NewEvent(.templateChanged($0.changed(origin: "default")), actor: "system") }
        let positions = try await store.appendDeciding { db in
            try TemplateRecord.fetchCount(db) == 0 ? events : []
        }
        return positions.count
    }
}
