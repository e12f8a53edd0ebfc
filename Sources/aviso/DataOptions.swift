import ArgumentParser
import AvisoProjections
import Foundation

/// `--data DIR`, shared by every subcommand: `DIR/ledger/` and `DIR/aviso.sqlite`.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (env AVISO_DATA).", valueName: "DIR"))
    var data: String = ProcessInfo.processInfo.environment["AVISO_DATA"] ?? "./data"

    var directory: DataDirectory { DataDirectory(path: data) }

    func openStore() throws -> AvisoStore {
        try AvisoStore(directory: directory)
    }
}

/// Errors print as one clear line and exit non-zero, without a stack of Swift type names.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = "\(error)" }
    init(message: String) { description = message }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data("aviso: \(text)\n".utf8))
}

func printJSONLine(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}
