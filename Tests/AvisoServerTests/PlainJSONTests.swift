@testable import AvisoServer
import AvisoTestSupport
import Foundation
import NIOCore
import Testing

/// Meta's bodies are read by `PlainJSON` when plain: every body must mean exactly what
/// `JSONDecoder` makes of it, and a body `JSONDecoder` refuses must still be refused.
@Suite struct PlainJSONTests {
    static func text(_ g: inout SeededGenerator) -> String {
        let pieces = ["wamid.", "HBgL", "5025", "sent", "BAJA", "ñ", "😀", " ", "\n", "\"", "\\", "/", "\t", "\u{1}", "é", "x"]
        return (0..<Int.random(in: 0...5, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
    }

    /// Sometimes absent, sometimes null, sometimes a value (rarely of the wrong type).
    static func field(_ g: inout SeededGenerator, _ make: (inout SeededGenerator) -> Any) -> Any? {
        switch Int.random(in: 0..<10, using: &g) {
        case 0, 1: return nil
        case 2: return NSNull()
        case 3: return [true, 7, "x", [1], ["a": 1]].randomElement(using: &g)!
        default: return make(&g)
        }
    }

    static func object(_ g: inout SeededGenerator, _ fields: [(String, (inout SeededGenerator) -> Any)]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (name, make) in fields { if let value = field(&g, make) { out[name] = value } }
        if Bool.random(using: &g) { out["unknown_\(Int.random(in: 0..<3, using: &g))"] = ["nested": [1, "two", NSNull()]] }
        return out
    }

    static func list(_ g: inout SeededGenerator, _ make: (inout SeededGenerator) -> Any) -> [Any] {
        (0..<Int.random(in: 0...3, using: &g)).map { _ in make(&g) }
    }

    static func body(_ g: inout SeededGenerator) -> [String: Any] {
        let pricing: (inout SeededGenerator) -> Any = { g in
            object(&g, [("billable", { Bool.random(using: &$0) }), ("pricing_model", text), ("category", text), ("type", text)])
        }
        let status: (inout SeededGenerator) -> Any = { g in
            object(&g, [("id", text), ("status", text), ("timestamp", text), ("recipient_id", text),
                        ("errors", { g in list(&g) { g in object(&g, [("code", { g in
                            Bool.random(using: &g) ? Int.random(in: -200_000...200_000, using: &g) as Any : text(&g) as Any })]) } }),
                        ("biz_opaque_callback_data", text), ("pricing", pricing)])
        }
        let message: (inout SeededGenerator) -> Any = { g in
            object(&g, [("from", text), ("id", text), ("timestamp", text), ("type", text),
                        ("text", { g in object(&g, [("body", text)]) }),
                        ("button", { g in object(&g, [("text", text), ("payload", text)]) }),
                        ("interactive", { g in object(&g, [("button_reply", { g in object(&g, [("title", text)]) }),
                                                           ("list_reply", { g in object(&g, [("title", text)]) })]) })])
        }
        let value: (inout SeededGenerator) -> Any = { g in
            object(&g, [("statuses", { g in list(&g, status) }), ("messages", { g in list(&g, message) }), ("event", text),
                        ("message_template_id", { g in Bool.random(using: &g) ? Int.random(in: 0...999_999_999, using: &g) as Any : text(&g) as Any }),
                        ("message_template_name", text), ("message_template_language", text), ("message_template_category", text),
                        ("reason", text), ("new_category", text), ("current_limit", text)])
        }
        return object(&g, [("object", { _ in "whatsapp_business_account" }),
                           ("entry", { g in list(&g) { g in object(&g, [("id", text), ("changes", { g in
                               list(&g) { g in object(&g, [("field", { _ in "messages" }), ("value", value)]) } })]) } })])
    }

    static func sameMeaning(_ bytes: [UInt8]) -> Bool {
        let ours = Result { try WhatsAppPayload.decode(ByteBuffer(bytes: bytes)) }
        let foundation = Result { try bytes.withUnsafeBytes { try WhatsAppPayload.decodeWithFoundation($0) } }
        switch (ours, foundation) {
        case let (.success(a), .success(b)): return a == b
        case (.failure, .failure): return true
        default: return false
        }
    }

    @Test func generatedBodiesMeanWhatJSONDecoderMakesOfThem() throws {
        var plainlyRead = 0
        for seed in UInt64(0)..<2_000 {
            var g = SeededGenerator(state: seed)
            let bytes = Array(try JSONSerialization.data(withJSONObject: Self.body(&g)))
            #expect(Self.sameMeaning(bytes), "seed \(seed): \(String(decoding: bytes, as: UTF8.self))")
            if bytes.withUnsafeBytes({ PlainJSON.parse($0) }).flatMap(WhatsAppPayload.init(plain:)) != nil { plainlyRead += 1 }
        }
        // Most generated bodies are well typed: the plain reader must be the one reading them.
        #expect(plainlyRead > 500)
    }

    @Test func aTypicalStatusIsReadPlainly() throws {
        let body = #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.X","status":"failed","timestamp":"1751142888","recipient_id":"50255551234","errors":[{"code":131047}],"pricing":{"billable":true,"pricing_model":"PMP","category":"utility"}}]}}]}]}"#
        let plain = try #require(Array(body.utf8).withUnsafeBytes { PlainJSON.parse($0) }.flatMap(WhatsAppPayload.init(plain:)))
        #expect(plain.entry?.first?.changes?.first?.value?.statuses?.first?.errors?.first?.code?.value == "131047")
        #expect(Self.sameMeaning(Array(body.utf8)))
    }

    @Test(arguments: [
        #"{"object":"w","entry":[]}"#,
        #" { "object" : "w" , "entry" : [ ] } "#,
        #"{"object":"w","object":"v"}"#,
        #"{"object":1}"#,
        #"{"object":null,"entry":null}"#,
        #"{"entry":[null]}"#,
        #"{"entry":[{"changes":[{"value":{"statuses":[{"errors":[{"code":-0}]}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"statuses":[{"errors":[{"code":1.5}]}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"statuses":[{"errors":[{"code":1e3}]}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"statuses":[{"errors":[{"code":99999999999999999999}]}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"statuses":[{"errors":[{"code":true}]}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":"BAJA \u00f1 \ud83d\ude00 \/ \n"}}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":"\ud83d"}}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":"\ude00"}}]}}]}]}"#,
        #"{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":"\x"}}]}}]}]}"#,
        #"{"metadata":{"n":01}}"#,
        #"{"metadata":{"a":1,"a":2}}"#,
        #"{"metadata":[1,2,]}"#,
        #"{"object":"w"} x"#,
        #"{"object":"w""#,
        #"["object"]"#,
        #""w""#,
        #""#,
        #"{"object":"w","pricing":{"billable":"true"}}"#,
        #"{"entry":[{"changes":[{"value":{"statuses":[{"pricing":{"billable":1}}]}}]}]}"#,
    ])
    func edgeBodiesMeanWhatJSONDecoderMakesOfThem(body: String) {
        #expect(Self.sameMeaning(Array(body.utf8)), "\(body)")
    }

    @Test func invalidUTF8AndControlCharactersAreLeftToJSONDecoder() {
        var bytes = Array(#"{"object":"wa","entry":[]}"#.utf8)
        bytes[11] = 0xFF
        #expect(bytes.withUnsafeBytes { PlainJSON.parse($0) } == nil)
        #expect(Self.sameMeaning(bytes))
        bytes[11] = 0x01
        #expect(bytes.withUnsafeBytes { PlainJSON.parse($0) } == nil)
        #expect(Self.sameMeaning(bytes))
    }
}
