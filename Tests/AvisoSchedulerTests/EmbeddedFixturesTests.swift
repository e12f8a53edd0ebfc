import AvisoScheduler
import Foundation
import Testing

/// The fixtures compiled into the binary are the files in `Fixtures/`, byte for byte: editing
/// one without running tools/embed-fixtures/generate.py fails here.
@Suite struct EmbeddedFixturesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["templates/defaults.json", "demo/clients.csv", "demo/installments.csv"])
    func theEmbeddedCopyEqualsTheFile(path: String) throws {
        let file = try Data(contentsOf: Self.repository.appendingPathComponent("Fixtures").appendingPathComponent(path))
        #expect(try ShippedFixtures.embedded.data(path) == file)
    }

    @Test func theEmbeddedTemplatesLoadAndAnOverrideFolderIsReadInstead() async throws {
        #expect(try ShippedFixtures.embedded.defaultTemplates().count == 22)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-fixtures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try Data("[]".utf8).write(to: folder.appendingPathComponent("templates/defaults.json"))
        let override = ShippedFixtures.fromEnvironment(["AVISO_FIXTURES": folder.path])
        #expect(throws: (any Error).self) { try override.defaultTemplates() }
        #expect(ShippedFixtures.fromEnvironment([:]).directory == nil)
        // The demo files reach the import under their own names, and the temporary copies go away.
        let seen = try await ShippedFixtures.embedded.withDemoFiles { clients, installments in
            (clients, try String(contentsOf: clients, encoding: .utf8), installments.lastPathComponent)
        }
        #expect(seen.0.lastPathComponent == "clients.csv" && seen.2 == "installments.csv")
        #expect(seen.1.hasPrefix("id,name,phone"))
        #expect(!FileManager.default.fileExists(atPath: seen.0.path))
    }
}
