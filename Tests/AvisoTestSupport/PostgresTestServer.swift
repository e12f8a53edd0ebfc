import Foundation

/// A real PostgreSQL for tests: Debian's postgresql 15, a cluster initialised once per test
/// process in a temporary folder, on a free loopback port, owned by `nobody` when the tests run
/// as root (initdb refuses root). Each test asks for its own fresh database. With
/// `AVISO_TEST_POSTGRES_URL` set (postgres://USER@HOST:PORT/DB of a superuser), that server is
/// used instead and nothing is started.
///
/// Clusters live in `TMP/aviso-test-postgres/cluster-PID`; one whose process has gone (a test
/// run that crashed) is stopped and removed by the next run, and ours is stopped at exit.
public enum PostgresTestServer {
    /// A URL of a new, empty database, e.g. `postgres://aviso@127.0.0.1:PORT/t_…`.
    public static func freshDatabaseURL() throws -> String {
        let server = try shared()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try psql(server.adminURL, "CREATE DATABASE \(name)")
        return server.url(database: String(name))
    }

    /// Runs one SQL statement as the superuser against `url` (a database URL from `freshDatabaseURL`);
    /// returns what psql printed (unaligned, tuples only), or throws with its error output.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runSerialized()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(String(decoding: errors, as: UTF8.self)) }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    struct Server: Sendable {
        let host: String
        let port: Int
        let user: String
        let adminDatabase: String

        var adminURL: String { url(database: adminDatabase) }
        func url(database: String) -> String { "postgres://\(user)@\(host):\(port)/\(database)" }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<Server, any Error>?

    static func shared() throws -> Server {
        lock.lock()
        defer { lock.unlock() }
        if let started { return try started.get() }
        let result = Result { try startOrUseExternal() }
        started = result
        return try result.get()
    }

    private static func startOrUseExternal() throws -> Server {
        if let external = ProcessInfo.processInfo.environment["AVISO_TEST_POSTGRES_URL"], !external.isEmpty {
            guard let c = URLComponents(string: external), let host = c.host, let user = c.user else {
                throw Failure("AVISO_TEST_POSTGRES_URL is not postgres://USER@HOST:PORT/DB")
            }
            let database = String(c.path.drop(while: { $0 == "/" }))
            return Server(host: host, port: c.port ?? 5432, user: user, adminDatabase: database.isEmpty ? "postgres" : database)
        }
        return try startCluster()
    }

    private static let bin = "/usr/lib/postgresql/15/bin"
    nonisolated(unsafe) private static var clusterToStop: String?

    private static func startCluster() throws -> Server {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-test-postgres")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        chmod(root.path, 0o755)
        removeAbandonedClusters(in: root)
        let dir = root.appendingPathComponent("cluster-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o700)
        let asRoot = getuid() == 0
        if asRoot {
            guard let nobody = getpwnam("nobody") else { throw Failure("no user nobody to run PostgreSQL as") }
            chown(dir.path, nobody.pointee.pw_uid, nobody.pointee.pw_gid)
        }
        let data = dir.appendingPathComponent("data").path
        try run(asRoot, "\(bin)/initdb", ["-D", data, "-U", "aviso", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        let port = try freeLoopbackPort()
        let options = "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories='' -c fsync=off -c max_connections=200"
        clusterToStop = data
        atexit {
            guard let data = PostgresTestServer.clusterToStop else { return }
            PostgresTestServer.stop(data)
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: data).deletingLastPathComponent().path)
        }
        try run(asRoot, "\(bin)/pg_ctl", ["-D", data, "-l", dir.appendingPathComponent("log").path, "-o", options, "-w", "-t", "60", "start"])
        return Server(host: "127.0.0.1", port: port, user: "aviso", adminDatabase: "postgres")
    }

    /// Stops (immediately) and removes clusters whose test process is gone.
    private static func removeAbandonedClusters(in root: URL) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for entry in entries where entry.hasPrefix("cluster-") {
            guard let pid = Int32(entry.dropFirst("cluster-".count)), pid != getpid() else { continue }
            if kill(pid, 0) == 0 { continue }  // still running
            let dir = root.appendingPathComponent(entry)
            stop(dir.appendingPathComponent("data").path)
            try? FileManager.default.removeItem(at: dir)
        }
    }

    private static func stop(_ data: String) {
        guard FileManager.default.fileExists(atPath: data + "/postmaster.pid") else { return }
        try? run(getuid() == 0, "\(bin)/pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    }

    /// Runs a PostgreSQL program, as `nobody` when we are root.
    private static func run(_ asNobody: Bool, _ program: String, _ arguments: [String]) throws {
        // Foundation learns that a child exited through a descriptor the child inherits; the
        // server `pg_ctl start` leaves running would inherit it too, and the wait would never
        // end. So every descriptor above stderr is closed before the program starts.
        let closingInherited = ["/bin/bash", "-c",
                                #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$0" "$@""#,
                                program] + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asNobody ? "/usr/bin/setpriv" : "/bin/bash")
        process.arguments = asNobody ? ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + closingInherited
            : Array(closingInherited.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        // Output to a file, not a pipe: the server that `pg_ctl start` leaves running keeps it.
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-pg-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let sink = try FileHandle(forWritingTo: errors)
        defer { try? sink.close() }
        process.standardOutput = sink
        process.standardError = sink
        try process.runSerialized()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure("\(program) failed: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        }
    }
}
