@testable import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import GRDB
import Testing

/// The real `aviso` binary against a data directory that holds an unreadable record, a
/// damaged cache, or that cannot be written at all.
@Suite(.serialized) struct HardeningProcessTests {
    private let aviso = avisoUnderTest()

    @Test func everyCommandStillWorksWithAnUnreadableRecordInTheLedger() async throws {
        let directory = try await directoryWithAnUnreadableRecord()
        // No read models yet: each command below must read the whole ledger to build them.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory.readModels.path + suffix) }
        let data = ["--data", directory.url.path]
        let environment = ["AVISO_BCRYPT_COST": "4", "AVISO_FIXTURES": fixtures.path]

        let history = try runProcess(aviso, ["history"] + data)
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("DeliveryStatusReceived"))
        let byClient = try runProcess(aviso, ["history", "--client", "C1", "--json"] + data)
        #expect(byClient.status == 0, "\(byClient.stderr)")
        #expect(byClient.stdout.split(separator: "\n").count == 3)
        let log = try runProcess(aviso, ["log"] + data)
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.contains("wamid.1"))
        for command in ["run", "reactivate"] {
            let run = try runProcess(aviso, [command, "--now", "2026-12-01T15:00:00Z", "--dry-run"] + data, environment: environment)
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        let user = try runProcess(aviso, ["user", "add", "--login", "ana", "--role", "admin", "--name", "Ana"] + data,
                                  stdin: "una-contraseña-larga\n", environment: environment)
        #expect(user.status == 0, "\(user.stderr)")

        // verify checks everything, then reports the record it cannot read, and fails.
        let verify = try runProcess(aviso, ["verify"] + data)
        #expect(verify.status != 0)
        #expect(verify.stdout.contains("hash chain intact"), "\(verify.stdout)")
        #expect(verify.stderr.contains("position 3 (DeliveryStatusReceived v1)"), "\(verify.stderr)")
        #expect(verify.stderr.contains("aviso replay"))
        let replay = try runProcess(aviso, ["replay"] + data)
        #expect(replay.status == 0, "\(replay.stderr)")

        // serve starts and its health and metrics report the record.
        let port = try freeLoopbackPort()
        let serve = Process()
        serve.executableURL = aviso
        serve.arguments = ["serve", "--port", String(port)] + data
        serve.environment = ProcessInfo.processInfo.environment.merging(
            environment.merging(["AVISO_ADMIN_PASSWORD": "otra-contraseña-larga", "AVISO_LOG_LEVEL": "error"]) { $1 }) { $1 }
        serve.standardOutput = Pipe()
        serve.standardError = Pipe()
        try serve.runSerialized()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        var health: (status: Int, body: String)?
        for _ in 0..<300 where health == nil {
            guard serve.isRunning else { break }
            health = await httpGet("http://127.0.0.1:\(port)/healthz")
            if health == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(health?.status == 200)
        #expect(health?.body.contains(#""undecodableRecordCount":1"#) == true, "\(String(describing: health))")
        #expect(health?.body.contains(#""status":"degraded""#) == true)
        let metrics = await httpGet("http://127.0.0.1:\(port)/metrics")
        #expect(metrics?.body.contains("aviso_ledger_undecodable_records 1") == true)
        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 0)
    }

    /// A data directory with a few events and no WAL left: everything is in `aviso.sqlite`.
    private func settledDirectory() async throws -> DataDirectory {
        let directory = makeDataDirectory()
        do {
            let store = try AvisoStore(directory: directory)
            try await store.append((1...300).map { NewEvent(clientEvent("C\($0)", name: String(repeating: "Nombre ", count: 20)), actor: "import") })
            try await store.append(sentEvent(key: "k1", messageId: "wamid.1"), actor: "scheduler")
            store.close()
        }
        let queue = try DatabaseQueue(path: directory.readModels.path)
        try await queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        return directory
    }

    @Test(arguments: ["truncated", "garbage"])
    func aDamagedCacheIsMovedAsideAndRebuiltByTheNextCommand(damage: String) async throws {
        let directory = try await settledDirectory()
        let file = directory.readModels
        let bytes = try Data(contentsOf: file)
        #expect(bytes.count > 100_000)
        switch damage {
        case "truncated": try bytes.prefix(bytes.count / 2).write(to: file)
        default: try Data((0..<bytes.count).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }).write(to: file)
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }

        let log = try runProcess(aviso, ["log", "--data", directory.url.path])
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.contains("wamid.1"))
        let said = log.stderr.split(separator: "\n")
        #expect(said.count == 1, "\(log.stderr)")
        #expect(said.first?.contains("aviso.sqlite was damaged") == true)
        #expect(said.first?.contains("rebuilt the read models from the ledger (301 events)") == true, "\(log.stderr)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.hasPrefix("aviso.sqlite.damaged-") }
        #expect(aside.count == 1)
        // The next command finds a sound cache and says nothing about it.
        let verify = try runProcess(aviso, ["verify", "--data", directory.url.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stderr.isEmpty, "\(verify.stderr)")
    }

    @Test(arguments: UnwritableWay.allCases)
    func historyLogAndVerifyWorkOnAReadOnlyDirectoryAndWritersRefuseInOneSentence(way: UnwritableWay) async throws {
        let directory = try await settledDirectory()
        let before = try fingerprint(directory.url)
        let data = ["--data", directory.url.path]

        let history = try runWithUnwritableDirectory(directory, way, ["history", "--client", "C1"] + data)
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("ClientUpserted"))
        let log = try runWithUnwritableDirectory(directory, way, ["log", "--unmasked"] + data)
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.contains("wamid.1"))
        let verify = try runWithUnwritableDirectory(directory, way, ["verify"] + data)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("ok: 301 events"), "\(verify.stdout)")

        for command in [["run", "--now", "2026-12-01T15:00:00Z", "--dry-run"], ["import", "--clients", "/dev/null"], ["replay"]] {
            let refused = try runWithUnwritableDirectory(directory, way, command + data)
            #expect(refused.status != 0)
            let lines = refused.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(command[0]): \(refused.stderr)")
            #expect(lines.first?.contains("cannot be written") == true || lines.first?.contains("read-only") == true, "\(refused.stderr)")
        }
        #expect(try fingerprint(directory.url) == before)
    }

    @Test(arguments: [
        (["run", "--now", "2026-12-01T25:61:00Z"], "no hour 25"),
        (["reactivate", "--now", "2026-02-30T10:00:00Z"], "no day 30"),
        (["run", "--now", "2026-12-01T10:00:00"], "zone"),
        (["history", "--since", "2026-12-01T10:60:00Z"], "no minute 60"),
        (["history", "--until", "2026-13-01"], "no month 13"),
        (["history", "--since=-4712-01-01T12:00:00Z"], "expected a date"),
    ] as [([String], String)])
    func dateFlagsAreParsedStrictly(arguments: [String], reason: String) throws {
        let directory = makeDataDirectory()
        let result = try runProcess(aviso, arguments + ["--data", directory.url.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(reason), "\(result.stderr)")
        // Refused before anything was opened or written.
        #expect(!FileManager.default.fileExists(atPath: directory.ledger.path))
    }

    /// Every file's bytes under `url`, by relative path.
    private func fingerprint(_ url: URL) throws -> [String: Data] {
        let files = FileManager.default.enumerator(atPath: url.path)?.compactMap { $0 as? String } ?? []
        var out: [String: Data] = [:]
        for name in files { out[name] = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) ?? Data() }
        return out
    }
}
