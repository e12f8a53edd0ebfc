// ledger-stress: the appending side of the ledger's process tests.
//
//     ledger-stress --data DIR --count N --tag T
//         appends N events one at a time (one transaction each) through an AvisoStore, so that
//         several of these processes on one data directory show every append landed, gap-free,
//         and every projection applied once.
//     ledger-stress --data DIR --batches N --tasks K --tag T
//         K concurrent tasks each append N small batches (so the writer groups them into shared
//         transactions) and print `ack <task> <batch> <first> <last>` once a batch is durable:
//         what a crash test may hold the ledger to after a SIGKILL.
//     ledger-stress --data DIR --decide SUBJECT --stage S [--start-when FILE]
//         one deciding append, the scheduler's rule "at most one StageDue per (subject, stage)":
//         prints `won <position>` (exit 0), or `conflict` (exit 3) when it was already decided.
//
// With AVISO_LEDGER_URL set (as for `aviso`), the ledger is that PostgreSQL database and DIR
// holds only this process's read models.
import AvisoLedger
import AvisoProjections
import GRDB
import Foundation

func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func fail(_ text: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("ledger-stress: \(text)\n".utf8))
    exit(status)
}

func client(_ id: String, tag: String, _ i: Int) -> LedgerEvent {
    .clientUpserted(ClientUpserted(id: id, name: "Stress \(tag) \(i)", phone: "5555\(i % 10_000)",
                                   phoneCountryCode: "GT", advisor: nil, preferredChannel: .sms))
}

struct AlreadyDecided: Error {}

guard let data = option("--data") else {
    fail("usage: ledger-stress --data DIR (--count N --tag T | --batches N --tasks K --tag T | --decide SUBJECT --stage S)", status: 2)
}

/// DIR, with the shared PostgreSQL ledger AVISO_LEDGER_URL names, if any.
let directory: DataDirectory
do {
    let url = ProcessInfo.processInfo.environment["AVISO_LEDGER_URL"]?.trimmingCharacters(in: .whitespaces) ?? ""
    directory = DataDirectory(path: data, sharedLedger: url.isEmpty ? nil : try PostgresLedgerURL(parsing: url))
} catch {
    fail("AVISO_LEDGER_URL: \(error)", status: 2)
}

do {
    if let subject = option("--decide") {
        let stage = option("--stage") ?? "D-2"
        let store = try AvisoStore(directory: directory)
        if let start = option("--start-when") {
            while !FileManager.default.fileExists(atPath: start) { usleep(2_000) }
        }
        do {
            let positions = try await store.appendDeciding { db in
                let decided = try Bool.fetchOne(db, sql: "SELECT 1 FROM stages_due WHERE subject = ? AND stage = ?",
                                                arguments: [subject, stage]) ?? false
                if decided { throw AlreadyDecided() }
                return [NewEvent(.stageDue(StageDue(clientId: "C-\(subject)", installmentId: subject, stage: stage, localDate: "2026-12-01")),
                                 actor: "scheduler")]
            }
            store.close()
            print("won \(positions[0])")
        } catch is AlreadyDecided {
            store.close()
            print("conflict")
            exit(3)
        }
    } else if let batches = option("--batches").flatMap(Int.init), let tasks = option("--tasks").flatMap(Int.init), let tag = option("--tag") {
        let store = try AvisoStore(directory: directory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for batch in 0..<batches {
                        let events = (0...(batch % 3)).map { j in
                            NewEvent(client("\(tag)/\(task)/\(batch)/\(j)", tag: tag, batch), actor: "stress:\(tag)")
                        }
                        let positions = try await store.append(events)
                        // Unbuffered: a line written is a line the test reads, even after a SIGKILL.
                        FileHandle.standardOutput.write(Data("ack \(task) \(batch) \(positions.first!) \(positions.last!)\n".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        store.close()
    } else if let count = option("--count").flatMap(Int.init), let tag = option("--tag") {
        let store = try AvisoStore(directory: directory)
        for i in 0..<count {
            try await store.append(client("\(tag)-\(i)", tag: tag, i), actor: "stress:\(tag)")
        }
        store.close()
        print("appended \(count)")
    } else {
        fail("usage: ledger-stress --data DIR (--count N --tag T | --batches N --tasks K --tag T | --decide SUBJECT --stage S)", status: 2)
    }
} catch {
    fail("\(error)")
}
