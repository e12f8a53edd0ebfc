import Foundation
import Logging
import Synchronization

/// Structured logs: one JSON object per line (time, level, label, message, metadata such as
/// `hb.request.id`). As a last line of defence every run of 8 or more digits is masked to
/// its last 4, so a phone number that slipped into a message never reaches the log whole.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var fields = metadata
        if let explicit { fields.merge(explicit, uniquingKeysWith: { $1 }) }
        // Hand-built JSON: Foundation's serializer costs more than the rest of a webhook request.
        var out = "{"
        Self.appendJSONString("label", to: &out)
        out += ":"
        Self.appendJSONString(label, to: &out)
        out += ",\"level\":"
        Self.appendJSONString(level.rawValue, to: &out)
        out += ",\"message\":"
        Self.appendJSONString(LogRedaction.redact(message.description), to: &out)
        for key in fields.keys.sorted() where !["label", "level", "message", "time"].contains(key) {
            out += ","
            Self.appendJSONString(key, to: &out)
            out += ":"
            // Request ids are random hex, not numbers: left as they are so they stay searchable.
            let value = "\(fields[key]!)"
            Self.appendJSONString(key == "hb.request.id" ? value : LogRedaction.redact(value), to: &out)
        }
        out += ",\"time\":\""
        out += Self.timestamp()
        out += "\"}"
        write(out)
    }

    static func appendJSONString(_ text: String, to out: inout String) {
        out.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }

    private static func timestamp() -> String {
        let now = Date().timeIntervalSince1970
        var t = time_t(now)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        let millis = Int32((now - floor(now)) * 1000)
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "." + pad(millis, 3) + "Z"
    }

    private static let outputLock = Mutex<Void>(())

    public static let standardOutput: @Sendable (String) -> Void = fileDescriptor(STDOUT_FILENO)

    /// Writes each line to `fd` with write(2). A line that cannot be written (a closed pipe,
    /// a full disk) is dropped and counted in `LogDrops`: logging never stops the server.
    public static func fileDescriptor(_ fd: Int32) -> @Sendable (String) -> Void {
        LogDrops.ignoreBrokenPipeSignal()
        return { line in
            let bytes = Array((line + "\n").utf8)
            let written = outputLock.withLock { _ in LogDrops.writeAll(fd, bytes) }
            if !written { LogDrops.count() }
        }
    }
}

/// Log lines that could not be written, for `/metrics` (`aviso_log_lines_dropped_total`).
public enum LogDrops {
    private static let dropped = Atomic<Int>(0)

    public static var total: Int { dropped.load(ordering: .relaxed) }

    static func count() { dropped.add(1, ordering: .relaxed) }

    /// A write to a pipe whose reader has gone raises SIGPIPE, which ends the process by
    /// default; ignored, the write fails with EPIPE instead and the line is dropped.
    static func ignoreBrokenPipeSignal() {
        _ = sigpipeIgnored
    }

    private static let sigpipeIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Every byte written, retrying short writes and EINTR; false on any other failure.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }
}

public enum LogRedaction {
    /// Masks every run of 8+ digits but its last 4: `+50255551234` → `+•••••••1234`.
    public static func redact(_ text: String) -> String {
        // Fast path: most lines have no run of 8 digits at all.
        var run = 0, longest = 0
        for byte in text.utf8 {
            if byte >= 48 && byte <= 57 { run += 1; longest = max(longest, run) } else { run = 0 }
        }
        guard longest >= 8 else { return text }
        // Digits are ASCII, so working on UTF-8 bytes keeps every other character intact.
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        var digits: [UInt8] = []
        func flush() {
            if digits.count >= 8 {
                for _ in 0..<(digits.count - 4) { out.append(contentsOf: [0xE2, 0x80, 0xA2]) }  // •
                out.append(contentsOf: digits.suffix(4))
            } else {
                out.append(contentsOf: digits)
            }
            digits.removeAll(keepingCapacity: true)
        }
        for byte in text.utf8 {
            if byte >= 48 && byte <= 57 { digits.append(byte) } else { flush(); out.append(byte) }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }
}
