@testable import AvisoServer
import NIOCore
import Testing

/// Form bodies are read from their bytes: every pair kept in order, escapes as written when
/// invalid, invalid UTF-8 repaired, the same from a `String` and from a buffer.
@Suite struct FormEncodingTests {
    @Test(arguments: [
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("a&&b=", [("a", ""), ("b", "")]),
        ("=x", [("", "x")]),
        ("a+b=c%20d", [("a b", "c d")]),
        ("%zz=%4", [("%zz", "%4")]),
        ("%C3%B1=%FF", [("ñ", "\u{FFFD}")]),
        ("a=b=c&a=d", [("a", "b=c"), ("a", "d")]),
        ("MessageSid=SM1&MessageStatus=delivered&To=%2B50255551234", [("MessageSid", "SM1"), ("MessageStatus", "delivered"), ("To", "+50255551234")]),
        ("&", []),
        ("", []),
    ])
    func pairsAreReadInOrder(body: String, expected: [(String, String)]) {
        let fromText = FormEncoding.parse(body)
        let fromBuffer = FormEncoding.parse(ByteBuffer(string: body))
        #expect(fromText.map(\.name) == expected.map(\.0))
        #expect(fromText.map(\.value) == expected.map(\.1))
        #expect(fromBuffer.map(\.name) == fromText.map(\.name))
        #expect(fromBuffer.map(\.value) == fromText.map(\.value))
    }

    @Test func invalidRawUTF8IsRepaired() {
        let parsed = FormEncoding.parse(ByteBuffer(bytes: [UInt8(ascii: "a"), UInt8(ascii: "="), 0xFF, UInt8(ascii: "b")]))
        #expect(parsed.map(\.value) == ["\u{FFFD}b"])
    }
}
