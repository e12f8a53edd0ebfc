// ledger-stress: appends N events one at a time (one transaction each) through an
// AvisoStore, so that tests can run several of these processes on one data directory at
// once and check that every append landed, gap-free, and every projection applied once.
//
//     ledger-stress --data DIR --count N --tag T
import AvisoLedger
import AvisoProjections
import Foundation

func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

guard let data = option("--data"), let count = option("--count").flatMap(Int.init), let tag = option("--tag") else {
    FileHandle.standardError.write(Data("usage: ledger-stress --data DIR --count N --tag T\n".utf8))
    exit(2)
}

do {
    let store = try AvisoStore(directory: DataDirectory(path: data))
    for i in 0..<count {
        let event = LedgerEvent.clientUpserted(ClientUpserted(id: "\(tag)-\(i)", name: "Stress \(tag) \(i)", phone: "5555\(i % 10_000)",
                                                              phoneCountryCode: "GT", advisor: nil, preferredChannel: .sms))
        try await store.append(event, actor: "stress:\(tag)")
    }
    store.close()
    print("appended \(count)")
} catch {
    FileHandle.standardError.write(Data("ledger-stress: \(error)\n".utf8))
    exit(1)
}
