import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The shipped Spanish templates, recorded before anything renders: `aviso serve` and
/// `aviso run` both need them on a new data directory.
public enum DefaultTemplateSeed {
    /// Appends each shipped template (`Fixtures/templates/defaults.json`) that has no saved version yet
    /// (a new data directory, or a stage added by a newer Aviso) as `TemplateChanged` (origin
    /// `default`, actor `system`), deciding under the ledger's write lock so two processes never
    /// both seed. Templates an admin already has are never touched. Returns how many were appended.
    @discardableResult
    public static func loadIfEmpty(store: AvisoStore, fixtures: ShippedFixtures = .fromEnvironment()) async throws -> Int {
        let defaults = try fixtures.defaultTemplates()
        let positions = try await store.appendDeciding { db in
            let saved = Set(try TemplateRecord.fetchAll(db).map { "\($0.stage)/\($0.channel)" })
            return defaults.filter { !saved.contains("\($0.stage.rawValue)/\($0.channel.rawValue)") }
                .map { NewEvent(.templateChanged($0.changed(origin: "default")), actor: "system") }
        }
        return positions.count
    }
}
