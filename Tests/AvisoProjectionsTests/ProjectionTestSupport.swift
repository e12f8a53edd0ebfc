import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation

func makeDataDirectory() -> DataDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return DataDirectory(url)
}

/// The repository's Fixtures folder.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Built executables (aviso, ledger-stress) sit next to the test bundle.
func builtExecutable(_ name: String) -> URL {
    let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    var dir = me.deletingLastPathComponent()
    // Swift Testing on Linux runs from `<bin>/AvisoPackageTests.xctest`.
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent(name)
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a real child process to completion.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.runSerialized()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
}

func clientEvent(_ id: String, name: String = "Cliente") -> LedgerEvent {
    .clientUpserted(ClientUpserted(id: id, name: name, phone: "5555 1234", phoneCountryCode: "GT", advisor: "Ana", preferredChannel: .whatsapp))
}

func sentEvent(key: String, client: String = "C1", provider: String = "whatsapp", messageId: String, at: Date = Date(timeIntervalSince1970: 1_790_000_000), test: Bool = false) -> LedgerEvent {
    .messageSent(MessageSent(messageKey: key, clientId: client, installmentId: "I1", stage: "D-2", channel: provider == "twilio" ? .sms : .whatsapp,
                             provider: provider, to: "+50255551234", messageId: messageId, status: provider == "twilio" ? .queued : .accepted,
                             dryRun: false, test: test, at: at))
}

func statusEvent(_ status: DeliveryStatus, provider: String = "whatsapp", messageId: String, error: String? = nil) -> LedgerEvent {
    .deliveryStatusReceived(DeliveryStatusReceived(provider: provider, messageId: messageId, status: status, errorCode: error))
}
