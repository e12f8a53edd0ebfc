import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB
import Testing
import AvisoTestSupport
@testable import AvisoScheduler

@Suite(.serialized) struct ProcessTests {
    @Test func threeProcessesAtOnceSendEachMessageExactlyOnce() async throws {
        let f = try Fixture()
        try await threeRunsAtOnceSendEachMessageExactlyOnce(f) { _ in ["--data", f.url.path] }
    }

    /// Three nodes, each with its own data folder (its own read models), appending to one
    /// PostgreSQL ledger: the deciding appends share the head-row lock, so still exactly once.
    @Test func threeNodesOnOnePostgresLedgerSendEachMessageExactlyOnce() async throws {
        let ledgerURL = try PostgresTestServer.freshDatabaseURL()
        let f = try Fixture(sharedLedger: try PostgresLedgerURL(parsing: ledgerURL))
        let nodes = (0..<3).map { f.url.path + "-node\($0)" }
        defer { for node in nodes { try? FileManager.default.removeItem(atPath: node) } }
        try await threeRunsAtOnceSendEachMessageExactlyOnce(f) { i in ["--data", nodes[i], "--ledger", ledgerURL] }
    }

    /// 60 clients, 120 installments; three `aviso run` at once (`dataArguments(i)` says where
    /// process i keeps its data): each (installment, stage, channel) decided once, caps held.
    private func threeRunsAtOnceSendEachMessageExactlyOnce(_ f: Fixture, dataArguments: (Int) -> [String]) async throws {
        let dues = ["2026-12-11", "2026-11-28", "2026-11-27", "2026-11-26", "2026-11-25", "2026-11-23", "2026-11-19", "2026-11-12"]
        for i in 0..<60 {
            try await f.client("C\(i)", channel: [.whatsapp, .sms, .both][i % 3], phone: "5555-\(2000 + i)")
            try await f.installment("I\(i)a", client: "C\(i)", due: dues[i % dues.count])
            try await f.installment("I\(i)b", client: "C\(i)", due: dues[(i + 3) % dues.count], loan: "L2-\(i)")
        }
        // No provider variables: every send goes to the simulated provider and is recorded.
        let args = ["run", "--now", "2026-11-26T15:00:00Z", "--json"]
        let runs = try (0..<3).map { i in try avisoProcess(args + dataArguments(i)) }
        var total = RunSummary()
        for (process, out, err) in runs {
            let json = try summaryJSON(out)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            #expect(Set(json.keys) == ["due", "sent", "deferred", "skipped", "failed", "unknown"])
            total.due += json["due"] as? Int ?? -1
            total.sent += json["sent"] as? Int ?? -1
            for (reason, n) in json["skipped"] as? [String: Int] ?? [:] { total.skip(reason, count: n) }
        }
        let stageDues = try f.stageDues
        #expect(total.due == 120 && stageDues.count == 120)
        #expect(Set(stageDues.map { "\($0.installmentId!)|\($0.stage)" }).count == 120)
        let sent = try f.sent
        #expect(sent.count == total.sent && Set(sent.map(\.messageKey)).count == sent.count)
        #expect(Set(try f.scheduled.map(\.messageKey)) == Set(sent.map(\.messageKey)))
        // Each message decided exactly once: every (installment, stage, channel) has one outcome.
        let outcomes = try f.scheduled.map { "\($0.installmentId!)|\($0.stage)|\($0.channel)" }
            + f.skipped.map { "\($0.installmentId!)|\($0.stage)|\($0.channel!)" }
        #expect(Set(outcomes).count == outcomes.count)
        // The daily cap held across the processes.
        let perClient = Dictionary(grouping: sent, by: { $0.clientId! }).mapValues(\.count)
        #expect(perClient.values.allSatisfy { $0 <= 2 })
        // What each process projected equals a fresh replay (in yet another process).
        for i in 0..<3 {
            let (verify, _, err) = try avisoProcess(["verify"] + dataArguments(i))
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            verify.waitUntilExit()
            #expect(verify.terminationStatus == 0, "\(stderr)")
        }
    }

    @Test func runKilledMidSendLeavesUnknownNotADuplicate() async throws {
        let f = try Fixture()
        try await f.client("C1")
        try await f.installment("I1", client: "C1", due: "2026-11-26")
        let args = ["run", "--data", f.url.path, "--now", "2026-11-26T15:00:00Z", "--json"]
        let (victim, _, err) = try avisoProcess(args, environment: ["AVISO_FAULT_PAUSE": "after-render"])
        var stderr = ""
        while !stderr.contains("paused at after-render") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            stderr += String(decoding: chunk, as: UTF8.self)
        }
        #expect(stderr.contains("paused at after-render I1|D0|whatsapp"))
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()

        let (restart, out, _) = try avisoProcess(args)
        let json = try summaryJSON(out)
        restart.waitUntilExit()
        #expect(json["unknown"] as? Int == 1 && json["sent"] as? Int == 0 && json["due"] as? Int == 0)
        try f.store.catchUp()
        #expect(try f.logStatus("I1|D0|whatsapp") == "unknown")
        let rendered = try f.events().filter { if case .messageRendered = $0 { true } else { false } }
        #expect(rendered.count == 1)
        #expect(try f.sent.isEmpty)

        let (again, out2, _) = try avisoProcess(args)
        let json2 = try summaryJSON(out2)
        again.waitUntilExit()
        #expect(json2["unknown"] as? Int == 0 && json2["sent"] as? Int == 0)
        #expect(try f.sent.isEmpty)
    }

    /// Issue 10, break 1: `aviso run --dry-run` used up the real reminders (9 due, 8 sent; the
    /// real run then found 0). Now a dry run prints what the real run will do and changes nothing.
    @Test func aDryRunChangesNothingAndTheRealRunThenDoesWhatItSaid() async throws {
        let f = try Fixture()
        for i in 0..<6 {
            try await f.client("C\(i)", channel: [.whatsapp, .sms, .both][i % 3], phone: "5555-\(3000 + i)")
            try await f.installment("I\(i)", client: "C\(i)", due: ["2026-12-03", "2026-12-02", "2026-12-01"][i % 3])
        }
        try await f.client("FIX", phone: "2245-6789")  // a fixed line
        try await f.installment("I-FIX", client: "FIX", due: "2026-12-01")
        _ = try f.store.catchUp()
        let head = try f.head()
        let digest = try ReadModelDigest.compute(f.store.readModels)
        let args = ["run", "--data", f.url.path, "--now", "2026-12-01T15:00:00Z", "--json"]
        var planned: [String: Any] = [:]
        for _ in 0..<2 {
            let (process, out, _) = try avisoProcess(args + ["--dry-run"])
            planned = try summaryJSON(out)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(planned["dry_run"] as? Bool == true && planned["due"] as? Int == 7)
            #expect(try f.head() == head)
            #expect(try ReadModelDigest.compute(f.store.readModels) == digest)
        }
        let messages = planned["messages"] as? [[String: Any]] ?? []
        #expect(messages.contains { $0["client"] as? String == "FIX" && $0["decision"] as? String == "ignored_invalid_phone" })
        #expect((planned["skipped"] as? [String: Int])?["invalid_phone:fixed_line"] == 1)
        // The real run at the same instant does what the dry run said.
        let (process, out, _) = try avisoProcess(args)
        let real = try summaryJSON(out)
        process.waitUntilExit()
        for key in ["due", "sent", "deferred"] { #expect(real[key] as? Int == planned[key] as? Int, "\(key)") }
        #expect(real["skipped"] as? [String: Int] == planned["skipped"] as? [String: Int])
        #expect(try f.head() > head)
    }

    /// Issue 10, break 5: a run in quiet hours reported "deferred 8", but `aviso log` and the
    /// console showed nothing. Now a deferred message is a row, and the same row moves on.
    @Test func aDeferredMessageIsARowInTheLogUntilItGoesOut() async throws {
        let f = try Fixture()
        try await f.client("C1", phone: "5555-1234")
        try await f.installment("I1", client: "C1", due: "2026-12-11")  // D-15 on the 26th
        let night = Timestamps.utc(local("2026-11-26", "22:00"))
        let (process, out, _) = try avisoProcess(["run", "--data", f.url.path, "--now", night, "--json"])
        #expect(try summaryJSON(out)["deferred"] as? Int == 1)
        process.waitUntilExit()

        func logRows() throws -> [[String: Any]] {
            let (log, out, _) = try avisoProcess(["log", "--data", f.url.path, "--json"])
            let data = out.fileHandleForReading.readDataToEndOfFile()
            log.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        let deferred = try logRows()
        #expect(deferred.count == 1)
        #expect(deferred.first?["status"] as? String == "deferred")
        #expect(deferred.first?["notBefore"] as? String == Timestamps.utc(local("2026-11-27", "08:00")))
        let (table, tableOut, _) = try avisoProcess(["log", "--data", f.url.path])
        let text = String(decoding: tableOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        table.waitUntilExit()
        #expect(text.contains("deferred until"))

        let morning = Timestamps.utc(local("2026-11-27", "08:05"))
        let (drain, drainOut, _) = try avisoProcess(["run", "--data", f.url.path, "--now", morning, "--json"])
        #expect(try summaryJSON(drainOut)["sent"] as? Int == 1)
        drain.waitUntilExit()
        let after = try logRows()
        #expect(after.count == 1)
        #expect(after.first?["id"] as? Int == deferred.first?["id"] as? Int)
        #expect(after.first?["status"] as? String == "accepted" && after.first?["dryRun"] as? Bool == true)
    }
}
