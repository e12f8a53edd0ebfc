import NIOCore

/// `application/x-www-form-urlencoded` bodies as ordered (name, value) pairs: every pair is
/// kept, duplicates and unknown names too, because a Twilio signature covers all of them.
/// Read straight from the bytes (a Twilio callback is parsed on every request).
enum FormEncoding {
    static func parse(_ body: ByteBuffer) -> [(name: String, value: String)] {
        body.withUnsafeReadableBytes { parse(bytes: $0) }
    }

    static func parse(_ body: String) -> [(name: String, value: String)] {
        var body = body
        return body.withUTF8 { parse(bytes: UnsafeRawBufferPointer($0)) }
    }

    private static func parse(bytes: UnsafeRawBufferPointer) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {  // `a&&b`: empty pairs are skipped
                let pair = bytes[start..<end]
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    pairs.append((decode(bytes[start..<equals]), decode(bytes[(equals + 1)..<end])))
                } else {
                    pairs.append((decode(pair), ""))
                }
            }
            start = end + 1
        }
        return pairs
    }

    /// `+` is a space; `%XX` a byte; invalid escapes stay as written; invalid UTF-8 is repaired.
    private static func decode(_ text: Slice<UnsafeRawBufferPointer>) -> String {
        guard text.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(decoding: text, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let byte = text[i]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if text.endIndex - i >= 3, let hi = hexValue(text[i + 1]), let lo = hexValue(text[i + 2]) {
                    bytes.append(hi << 4 | lo)
                    i += 2
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
