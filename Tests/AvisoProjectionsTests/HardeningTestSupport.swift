@testable import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension Ledger {
    /// Appends raw record bytes with a valid hash chain, bypassing every check of the writer:
    /// what an older (buggy) or newer Aviso may have left in the file.
    func appendUnchecked(type: String, version: Int = 1, actor: String = "webhook:whatsapp", payload: String) throws {
        try backend.writeTransaction { txn in
            let head = try txn.head()
            var value = RecordCodec.body(time: Date(), type: type, schemaVersion: version, actor: actor, payload: Data(payload.utf8))
            let hash = RecordCodec.chainHash(previous: head.hash, position: head.position + 1, body: value)
            value.append(contentsOf: hash)
            try value.withUnsafeBytes { try txn.appendRecord(position: head.position + 1, value: $0) }
            try txn.storeHead(LedgerHead(position: head.position + 1, hash: hash))
        }
    }
}

/// The `aviso` binary under test: the one built beside the tests, or `AVISO_BINARY` (to run
/// these tests against another build, e.g. the code before a fix).
func avisoUnderTest() -> URL {
    ProcessInfo.processInfo.environment["AVISO_BINARY"].map { URL(fileURLWithPath: $0) } ?? builtExecutable("aviso")
}

/// The status callback the old webhook appended for `"timestamp": "1e300"`: its providerTime
/// is a year the decoder refuses.
func unreadableStatusPayload(messageId: String) -> String {
    #"{"messageId":"\#(messageId)","provider":"whatsapp","providerTime":"-4712-01-01T12:00:00Z","status":"delivered"}"#
}

/// A data directory holding C1 with a sent message wamid.1, the old webhook's unreadable
/// status of it (position 3), then C2.
func directoryWithAnUnreadableRecord() async throws -> DataDirectory {
    let directory = makeDataDirectory()
    let store = try AvisoStore(directory: directory)
    try await store.append([NewEvent(clientEvent("C1"), actor: "import"),
                            NewEvent(sentEvent(key: "k1", messageId: "wamid.1"), actor: "scheduler")])
    try store.ledger.appendUnchecked(type: "DeliveryStatusReceived", payload: unreadableStatusPayload(messageId: "wamid.1"))
    try await store.append(clientEvent("C2"), actor: "import")
    store.close()
    return directory
}

/// Runs a real child process to completion, with `stdin` written to its standard input.
func runProcess(_ executable: URL, _ arguments: [String], stdin: String, environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let input = Pipe(), out = Pipe(), err = Pipe()
    process.standardInput = input
    process.standardOutput = out
    process.standardError = err
    try process.runSerialized()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
}

/// GETs `url` until something answers (up to 30 s), or nil once `process` has exited.
func waitForHTTP(_ url: String, while process: Process) async throws -> (status: Int, body: String)? {
    for _ in 0..<300 {
        guard process.isRunning else { return nil }
        if let answer = await httpGet(url) { return answer }
        try await Task.sleep(for: .milliseconds(100))
    }
    return nil
}

/// GET over loopback; nil while nothing answers.
func httpGet(_ url: String) async -> (status: Int, body: String)? {
    guard let (data, response) = try? await URLSession.shared.data(from: URL(string: url)!),
          let http = response as? HTTPURLResponse else { return nil }
    return (http.statusCode, String(decoding: data, as: UTF8.self))
}

/// How a test makes a data directory unwritable for real, so that a write fails even for
/// root (tests run as root in CI, where plain chmod stops nothing).
enum UnwritableWay: String, CaseIterable, Sendable {
    /// A read-only bind mount in a private mount namespace (EROFS), where the kernel allows one.
    case readOnlyMount
    /// Write bits removed, and as root the command runs as the unprivileged `nobody` (EACCES).
    case permissions
}

/// Runs `aviso` on `directory` made unwritable `way`. Without the privilege for a mount
/// namespace, `readOnlyMount` falls back to `permissions`, so the test still means something.
func runWithUnwritableDirectory(_ directory: DataDirectory, _ way: UnwritableWay, _ arguments: [String]) throws -> ProcessResult {
    let aviso = avisoUnderTest()
    let unshare = URL(fileURLWithPath: "/usr/bin/unshare")
    if way == .readOnlyMount, getuid() == 0, (try? runProcess(unshare, ["-m", "true"]).status) == 0 {
        let script = #"mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@""#
        return try runProcess(unshare, ["-m", "sh", "-c", script, "sh", directory.url.path, aviso.path] + arguments)
    }
    try chmodTree(directory.url, "a+rX,a-w")
    defer { try? chmodTree(directory.url, "u+w") }
    guard getuid() == 0 else { return try runProcess(aviso, arguments) }
    return try runProcess(URL(fileURLWithPath: "/usr/bin/setpriv"),
                          ["--reuid=65534", "--regid=65534", "--clear-groups", aviso.path] + arguments)
}

private func chmodTree(_ url: URL, _ mode: String) throws {
    let result = try runProcess(URL(fileURLWithPath: "/bin/chmod"), ["-R", mode, url.path])
    guard result.status == 0 else { throw CocoaError(.fileWriteNoPermission) }
}
