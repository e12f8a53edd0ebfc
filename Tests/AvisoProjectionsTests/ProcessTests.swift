import AvisoLedger
@testable import AvisoProjections
import AvisoTestSupport
import Foundation
import GRDB
import Testing

/// Tests with real child processes on one data directory.
@Suite(.serialized) struct ProcessTests {
    @Test func killedBetweenLedgerCommitAndProjectionLosesAndDoublesNothing() async throws {
        let directory = makeDataDirectory()
        let aviso = builtExecutable("aviso")
        let process = Process()
        process.executableURL = aviso
        process.arguments = ["import", "--data", directory.url.path,
                             "--clients", fixtures.appendingPathComponent("demo/clients.csv").path,
                             "--installments", fixtures.appendingPathComponent("demo/installments.csv").path]
        process.environment = ProcessInfo.processInfo.environment.merging(["AVISO_FAULT_PAUSE": "after-ledger-commit"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.runSerialized()
        // Wait until the child says it committed to the ledger and stopped before projecting.
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("paused at after-ledger-commit") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said.append(chunk)
        }
        #expect(String(decoding: said, as: UTF8.self).contains("paused at after-ledger-commit"))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        // The ledger has the import; the read models don't yet. Opening catches up.
        do {
            let store = try AvisoStore(directory: directory)
            defer { store.close() }
            #expect(try store.ledger.head().position == 42)
            let clients = try store.read { try ClientRecord.fetchCount($0) }
            let installments = try store.read { try InstallmentRecord.fetchCount($0) }
            #expect(clients == 20 && installments == 22)
        }
        // Re-running the import appends nothing: the first one landed exactly once.
        let again = try runProcess(aviso, ["import", "--data", directory.url.path,
                                           "--clients", fixtures.appendingPathComponent("demo/clients.csv").path,
                                           "--installments", fixtures.appendingPathComponent("demo/installments.csv").path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("clients: 0 appended, 20 unchanged"))
        let verify = try runProcess(aviso, ["verify", "--data", directory.url.path])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func twoProcessesAppendingAtOnceLandEverythingGapFree() async throws {
        let directory = makeDataDirectory()
        let stress = builtExecutable("ledger-stress")
        let count = 300
        let processes = try ["A", "B"].map { tag -> Process in
            let p = Process()
            p.executableURL = stress
            p.arguments = ["--data", directory.url.path, "--count", String(count), "--tag", tag]
            p.standardOutput = Pipe()
            p.standardError = Pipe()
            try p.runSerialized()
            return p
        }
        for p in processes {
            p.waitUntilExit()
            let err = (p.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            #expect(p.terminationStatus == 0, "\(String(decoding: err, as: UTF8.self))")
        }

        let store = try AvisoStore(directory: directory)
        defer { store.close() }
        let records = try store.ledger.records(after: 0, limit: 10_000)
        #expect(records.map(\.position) == Array(1...UInt64(2 * count)))
        var seen: [String: [Int]] = [:]
        for record in records {
            guard case let .clientUpserted(c) = try record.decodeEvent() else { continue }
            let parts = c.id.split(separator: "-")
            seen[String(parts[0]), default: []].append(Int(parts[1])!)
        }
        // Each process's appends are all there, in its own order.
        #expect(seen["A"] == Array(0..<count))
        #expect(seen["B"] == Array(0..<count))
        // Both processes projected into one SQLite file: every event applied exactly once.
        #expect(try store.read { try ClientRecord.fetchCount($0) } == 2 * count)
        #expect(try store.read { try Checkpoint.read($0).position } == UInt64(2 * count))
        try Verification.run(store)
        // The two processes really interleaved.
        let actors = records.map(\.actor)
        let switches = zip(actors, actors.dropFirst()).filter { $0 != $1 }.count
        #expect(switches >= 1)
    }

    @Test func verifyCommandNamesTheTamperedPosition() async throws {
        let directory = makeDataDirectory()
        do {
            let store = try AvisoStore(directory: directory)
            try await store.append((1...5).map { NewEvent(clientEvent("C\($0)"), actor: "import") })
            store.close()
        }
        // Tamper with record 3 in the LMDB file itself: change a letter of a client id.
        let dataFile = directory.ledger.appendingPathComponent("data.mdb")
        var bytes = try Data(contentsOf: dataFile)
        let needle = Data(#""id":"C3""#.utf8)
        let range = try #require(bytes.range(of: needle))
        bytes[range.upperBound - 2] = UInt8(ascii: "X")
        try bytes.write(to: dataFile)

        let result = try runProcess(builtExecutable("aviso"), ["verify", "--data", directory.url.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("position 3"), "\(result.stderr)")
    }
}
