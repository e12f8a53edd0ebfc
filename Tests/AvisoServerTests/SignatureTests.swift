@testable import AvisoServer
import Foundation
import Testing

/// Vectors computed with Twilio's published algorithm (twilio-python's RequestValidator:
/// url + concatenated sorted name+value, HMAC-SHA1, base64), independently of this code.
@Suite struct TwilioSignatureTests {
    static let token = "tw-auth-token-test-0001"
    static let params: [(name: String, value: String)] = [
        ("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("MessageStatus", "delivered"), ("To", "+50255551234"),
        ("From", "+15005550006"), ("AccountSid", "AC00000000000000000000000000000000"), ("ApiVersion", "2010-04-01"),
        ("SmsSid", "SM0123456789abcdef0123456789abcdef"), ("SmsStatus", "delivered"),
        // Names differing only in case: byte order puts "A" before "AccountSid" and "a" after "To".
        ("a", "lower"), ("A", "upper"), ("b", "x y&z=1"),
    ]

    @Test func twilioDocumentationStyleVector() {
        let params: [(name: String, value: String)] = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
                                                       ("From", "+12349013030"), ("To", "+18005551212")]
        #expect(TwilioSignature.compute(authToken: "12345", url: "https://mycompany.com/myapp.php?foo=1&bar=2", parameters: params)
            == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    }

    @Test func urlWithPortAndQueryAndCaseDifferingNames() {
        let url = "https://aviso.example.gt:8443/api/webhooks/twilio?tenant=gt&v=2"
        #expect(TwilioSignature.compute(authToken: Self.token, url: url, parameters: Self.params) == "Q+1K6PbPubFJ0Xncdk7MTz7XNJY=")
        #expect(TwilioSignature.isValid(signature: "Q+1K6PbPubFJ0Xncdk7MTz7XNJY=", authToken: Self.token, url: url, parameters: Self.params))
        // Swapping the values of the two case-variant names changes the signature.
        var swapped = Self.params
        swapped[8].value = "upper"
        swapped[9].value = "lower"
        #expect(!TwilioSignature.isValid(signature: "Q+1K6PbPubFJ0Xncdk7MTz7XNJY=", authToken: Self.token, url: url, parameters: swapped))
    }

    @Test func defaultPortIsTriedBothWays() {
        let params: [(name: String, value: String)] = [("MessageSid", "SMabc"), ("MessageStatus", "sent")]
        // Signed without the port, checked with it, and the other way round (as twilio-node does).
        #expect(TwilioSignature.isValid(signature: "ohtvge+uuFE/SuAxrvkltQsLYbY=", authToken: Self.token,
                                        url: "https://aviso.example.gt:443/api/webhooks/twilio", parameters: params))
        #expect(TwilioSignature.isValid(signature: "G96E8TyjKSOUoyT+Rk2+W4vRk6c=", authToken: Self.token,
                                        url: "https://aviso.example.gt/api/webhooks/twilio", parameters: params))
        #expect(!TwilioSignature.isValid(signature: "G96E8TyjKSOUoyT+Rk2+W4vRk6c=", authToken: "other",
                                         url: "https://aviso.example.gt/api/webhooks/twilio", parameters: params))
        #expect(!TwilioSignature.isValid(signature: "not base64!", authToken: Self.token,
                                         url: "https://aviso.example.gt/api/webhooks/twilio", parameters: params))
    }
}

@Suite struct MetaSignatureTests {
    @Test func signsTheExactRawBytes() throws {
        let raw = Data(#"{"object":"whatsapp_business_account",  "entry":[{"id":"1","changes":[]}]}"#.utf8)
        let header = MetaSignature.compute(appSecret: "s3cret", body: raw)
        #expect(header.hasPrefix("sha256=") && header.count == 7 + 64)
        #expect(MetaSignature.isValid(header: header, appSecret: "s3cret", body: raw))
        // The same JSON re-serialised (whitespace and key order differ) must fail.
        let object = try JSONSerialization.jsonObject(with: raw)
        let reserialised = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        #expect(reserialised != raw)
        #expect(!MetaSignature.isValid(header: header, appSecret: "s3cret", body: reserialised))
        #expect(!MetaSignature.isValid(header: header, appSecret: "other", body: raw))
        #expect(!MetaSignature.isValid(header: "sha256=zz", appSecret: "s3cret", body: raw))
        #expect(!MetaSignature.isValid(header: String(header.dropFirst(7)), appSecret: "s3cret", body: raw))
        // Upper-case hex is accepted.
        #expect(MetaSignature.isValid(header: "sha256=" + header.dropFirst(7).uppercased(), appSecret: "s3cret", body: raw))
    }

    @Test func knownVector() {
        // python3: hmac.new(b"key", b"The quick brown fox jumps over the lazy dog", hashlib.sha256).hexdigest()
        #expect(MetaSignature.compute(appSecret: "key", body: Data("The quick brown fox jumps over the lazy dog".utf8))
            == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    }
}

@Suite struct OptOutKeywordTests {
    @Test(arguments: ["STOP", "stop", "Baja", "BAJA.", " alto ", "¡Alto!", "cancelar", "CANCELÁR", "Cancelar 🙏", "ｂａｊａ"])
    func optOutWords(_ text: String) {
        #expect(OptOutKeywords.match(text) != nil, "\(text)")
    }

    @Test(arguments: ["Ya pagué", "no me den de baja", "stop it", "", "bajar", "alto ahí"])
    func notOptOut(_ text: String) {
        #expect(OptOutKeywords.match(text) == nil, "\(text)")
    }

    @Test func logRedactionMasksLongDigitRuns() {
        #expect(LogRedaction.redact("to +50255551234 pos 1234567") == "to +•••••••1234 pos 1234567")
    }
}
