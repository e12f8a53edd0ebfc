import Foundation
import Testing

/// The systemd units under tools/deploy pass `systemd-analyze verify` (where systemd's tools are
/// installed; nothing is started): directives, the timer's service and the hardening options.
@Suite struct DeployUnitTests {
    static let analyze = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/deploy")

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze.path)))
    func unitsPassSystemdVerify() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let units = ["aviso.service", "aviso-backup.service", "aviso-backup.timer"]
        for unit in units {
            // The binary is not installed here: point the units at the one under test.
            let text = try String(contentsOf: Self.deploy.appendingPathComponent(unit), encoding: .utf8)
            #expect(unit.hasSuffix(".timer") || text.contains("/opt/aviso/bin/aviso"), "\(unit) no longer runs the installed binary")
            try text.replacingOccurrences(of: "/opt/aviso/bin/aviso", with: avisoUnderTest().path)
                .write(to: dir.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        let result = try runProcess(Self.analyze, ["verify", "--man=no"] + units.map { dir.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }
}
