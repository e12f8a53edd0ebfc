import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds out whether `host:port` can be listened on before the server prints anything (a
/// one-time password, "open http://…"), so a busy port is the first and only thing said.
enum PortCheck {
    /// nil when every address `host` resolves to can be bound now; else why not, in one sentence.
    static func problem(host: String, port: Int) -> String? {
        guard (1...65535).contains(port) else { return "--port \(port) is not a TCP port (1–65535)" }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return "cannot listen on \(host): \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry?.pointee {
            let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
            if fd >= 0 {
                // The server sets SO_REUSEADDR too: a port in TIME_WAIT is free for it.
                var yes: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
                let bound = bind(fd, info.ai_addr, info.ai_addrlen) == 0
                let reason = errno
                close(fd)
                // Other failures (an address family this machine lacks) are the server's to report.
                if !bound && (reason == EADDRINUSE || reason == EACCES) {
                    let why = reason == EADDRINUSE ? "is already in use by another program (another `aviso serve`?)"
                                                   : "may not be used by this user (ports below 1024 need privileges)"
                    return "port \(port) on \(host) \(why); stop that program or choose another --port"
                }
            }
            entry = info.ai_next
        }
        return nil
    }
}
