import AvisoLedger
import AvisoProjections
import AvisoTestSupport
import Foundation
import Testing

/// The real `aviso` binary given a wrong data directory, a busy port, or `--demo` on a book
/// that already exists: each says what happened in words, and creates nothing it should not.
@Suite(.serialized) struct NoSilentMistakesTests {
    private let aviso = avisoUnderTest()

    /// A path under a fresh temporary folder that does not exist (yet).
    private func missingDirectory() -> URL {
        makeDataDirectory().url.appendingPathComponent("typo-dir", isDirectory: true)
    }

    @Test(arguments: [["verify"], ["history"], ["history", "--client", "C1"], ["log"], ["replay"],
                      ["run", "--now", "2026-12-01T15:00:00Z"], ["reactivate", "--now", "2026-12-01T15:00:00Z"],
                      ["run", "--now", "2026-12-01T15:00:00Z", "--dry-run"]])
    func commandsThatOnlyReadRefuseADirectoryThatDoesNotExist(command: [String]) throws {
        let missing = missingDirectory()
        let result = try runProcess(aviso, command + ["--data", missing.path])
        #expect(result.status != 0, "\(command[0]) accepted a missing directory: \(result.stdout)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("there is no data directory at \(missing.path)") == true, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: missing.path), "\(command[0]) created \(missing.path)")
    }

    @Test func userCommandsRefuseADirectoryThatDoesNotExist() throws {
        let missing = missingDirectory()
        for command in [["user", "add", "--login", "ana", "--role", "admin"], ["user", "password", "--login", "ana"]] {
            let result = try runProcess(aviso, command + ["--data", missing.path], stdin: "una-contraseña-larga\n")
            #expect(result.status != 0)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("there is no data directory"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: missing.path))
        }
    }

    @Test func anEmptyFolderIsNotAnEmptyBook() throws {
        let empty = makeDataDirectory()
        let result = try runProcess(aviso, ["verify", "--data", empty.url.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("holds no Aviso ledger"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: empty.ledger.path))
    }

    @Test func logInTheWrongFolderDoesNotCreateDotData() throws {
        let elsewhere = makeDataDirectory().url
        let process = Process()
        process.executableURL = aviso
        process.arguments = ["log"]
        process.currentDirectoryURL = elsewhere
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "AVISO_DATA" }
        let err = Pipe()
        process.standardOutput = Pipe()
        process.standardError = err
        try process.runSerialized()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("there is no data directory at \(elsewhere.appendingPathComponent("data").path)"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("data").path))
    }

    @Test func importCreatesTheDirectoryAndSaysSo() throws {
        let missing = missingDirectory()
        let result = try runProcess(aviso, ["import", "--data", missing.path, "--clients", fixtures.appendingPathComponent("demo/clients.csv").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("created a new data directory at \(missing.path)"), "\(result.stdout)")
        let verify = try runProcess(aviso, ["verify", "--data", missing.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        // The second import finds it and says nothing about creating.
        let again = try runProcess(aviso, ["import", "--data", missing.path, "--clients", fixtures.appendingPathComponent("demo/clients.csv").path])
        #expect(again.status == 0)
        #expect(!again.stdout.contains("created"), "\(again.stdout)")
    }

    @Test func aBusyPortIsTheFirstAndOnlyThingSaid() throws {
        let (listener, port) = try listeningLoopbackSocket()
        defer { close(listener) }
        let missing = missingDirectory()
        let result = try runProcess(aviso, ["serve", "--port", String(port), "--data", missing.path],
                                    environment: ["AVISO_BCRYPT_COST": "4"])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("port \(port) on 127.0.0.1 is already in use") == true, "\(result.stderr)")
        // Nothing was set up for a server that could not start: no directory, no one-time password.
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }

    @Test func serveDemoOnExistingDataSaysOnStdoutWhatItDidAndHowToGetIn() async throws {
        let directory = makeDataDirectory().url.appendingPathComponent("book")
        let imported = try runProcess(aviso, ["import", "--data", directory.path, "--clients", fixtures.appendingPathComponent("demo/clients.csv").path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let port = try freeLoopbackPort()
        let serve = Process()
        serve.executableURL = aviso
        serve.arguments = ["serve", "--demo", "--port", String(port), "--data", directory.path]
        serve.environment = ProcessInfo.processInfo.environment.merging(
            ["AVISO_BCRYPT_COST": "4", "AVISO_LOG_LEVEL": "error", "AVISO_ADMIN_PASSWORD": "otra-contraseña-larga"]) { $1 }
        let out = Pipe(), err = Pipe()
        serve.standardOutput = out
        serve.standardError = err
        try serve.runSerialized()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        #expect(try await waitForHTTP("http://127.0.0.1:\(port)/healthz", while: serve)?.status == 200)
        kill(serve.processIdentifier, SIGTERM)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        serve.waitUntilExit()
        #expect(stdout.contains("--demo: nothing imported and no demo accounts created, because the data directory already has clients"), "\(stdout)")
        #expect(stdout.contains("aviso user add --data \(directory.path)"), "\(stdout)")
        #expect(stdout.contains("aviso user password --data \(directory.path) --login"), "\(stdout)")
        // The way it names works: the admin's password can be reset from the command line.
        let reset = try runProcess(aviso, ["user", "password", "--login", "admin", "--data", directory.path], stdin: "nueva-contraseña-larga\n",
                                   environment: ["AVISO_BCRYPT_COST": "4"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("password of admin changed"))
        let history = try runProcess(aviso, ["history", "--data", directory.path, "--json"])
        #expect(history.stdout.contains("CredentialChanged"))
        #expect(!history.stdout.contains("nueva-contraseña-larga"))
    }
}

/// A loopback socket that listens (so the port is busy), and its port.
private func listeningLoopbackSocket() throws -> (Int32, Int) {
    let (fd, port) = try boundLoopbackSocket()
    guard listen(fd, 1) == 0 else { close(fd); throw CocoaError(.fileWriteUnknown) }
    return (fd, port)
}
