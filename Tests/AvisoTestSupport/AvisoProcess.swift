import Foundation

// Running the real `aviso` binary from tests: crash, concurrency and CLI tests use processes.

/// The `aviso` binary built next to this test bundle.
public func avisoBinary() throws -> URL {
    var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
    }
    for directory in candidates {
        var dir = directory
        for _ in 0..<4 {  // the bundle may be a directory (…/X.xctest/…)
            let url = dir.appendingPathComponent("aviso")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue { return url }
            dir = dir.deletingLastPathComponent()
        }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "aviso next to \(candidates)"])
}

public func avisoProcess(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = try avisoBinary()
    process.arguments = arguments
    // Never the caller's provider credentials: without them every send is simulated.
    let inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WHATSAPP_") && !$0.key.hasPrefix("TWILIO_") }
    process.environment = inherited.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.runSerialized()
    return (process, out, err)
}

public func summaryJSON(_ pipe: Pipe) throws -> [String: Any] {
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw CocoaError(.propertyListReadCorrupt, userInfo: [NSDebugDescriptionErrorKey: "not a JSON object: \(String(decoding: data, as: UTF8.self))"])
    }
    return object
}


private let launchLock = NSLock()

extension Process {
    /// Starts the process while no other test is starting one: Foundation's `Process.run()` on
    /// Linux has crashed (SIGSEGV in its argument copying) when many threads launched at once.
    public func runSerialized() throws {
        launchLock.lock()
        defer { launchLock.unlock() }
        try run()
    }
}
