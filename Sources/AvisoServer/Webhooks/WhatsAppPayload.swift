import AvisoLedger
import Foundation
import NIOCore

/// The parts of Meta's webhook body Aviso reads. Everything is optional and unknown fields
/// are ignored: Meta adds fields without notice.
struct WhatsAppPayload: Decodable, Equatable {
    var object: String?
    var entry: [Entry]?

    /// One decoder for every request (it holds no state between calls; building one per
    /// request showed in the webhook profile).
    private static let decoder = JSONDecoder()

    /// Decodes the body in place, by `PlainJSON` when it is plain (as Meta's are), else by
    /// `JSONDecoder` through a `Data` that borrows the buffer's storage, not a copy of it.
    static func decode(_ body: ByteBuffer) throws -> WhatsAppPayload {
        try body.withUnsafeReadableBytes { raw in
            if let plain = PlainJSON.parse(raw).flatMap(WhatsAppPayload.init(plain:)) { return plain }
            return try decodeWithFoundation(raw)
        }
    }

    static func decodeWithFoundation(_ raw: UnsafeRawBufferPointer) throws -> WhatsAppPayload {
        guard let base = raw.baseAddress, raw.count > 0 else { return try decoder.decode(Self.self, from: Data()) }
        return try decoder.decode(Self.self, from: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base),
                                                        count: raw.count, deallocator: .none))
    }

    struct Entry: Decodable, Equatable {
        var id: String?
        var changes: [Change]?
    }

    struct Change: Decodable, Equatable {
        var field: String?
        var value: Value?
    }

    struct Value: Decodable, Equatable {
        var statuses: [Status]?
        var messages: [Message]?
        /// Account fields (`message_template_status_update`, `template_category_update`,
        /// `phone_number_quality_update`): see `WhatsAppAccountWebhook`.
        var event: String?
        var message_template_id: FlexibleString?
        var message_template_name: String?
        var message_template_language: String?
        var message_template_category: String?
        var reason: String?
        var new_category: String?
        var current_limit: String?
    }

    struct Status: Decodable, Equatable {
        var id: String?
        var status: String?
        var timestamp: String?
        var recipient_id: String?
        var errors: [ErrorItem]?
        /// Echo of the send's `biz_opaque_callback_data`: Aviso's message key.
        var biz_opaque_callback_data: String?
        /// What this message costs (on `sent`, and one of `delivered`/`read`).
        var pricing: Pricing?
    }

    struct Pricing: Decodable, Equatable {
        var billable: Bool?
        var pricing_model: String?
        var category: String?
        var type: String?
    }

    struct ErrorItem: Decodable, Equatable {
        var code: FlexibleString?
    }

    struct Message: Decodable, Equatable {
        var from: String?
        var id: String?
        var timestamp: String?
        var type: String?
        var text: Text?
        var button: Button?
        var interactive: Interactive?

        struct Text: Decodable, Equatable { var body: String? }
        struct Button: Decodable, Equatable { var text: String?; var payload: String? }
        struct Interactive: Decodable, Equatable {
            var button_reply: Reply?
            var list_reply: Reply?
            struct Reply: Decodable, Equatable { var title: String? }
        }

        /// What the person wrote or tapped, for opt-out detection.
        var words: [String] {
            [text?.body, button?.text, button?.payload, interactive?.button_reply?.title, interactive?.list_reply?.title].compactMap { $0 }
        }
    }
}

/// A number or a string in JSON, as text (Meta sends error codes as numbers).
struct FlexibleString: Decodable, Equatable {
    var value: String

    init(value: String) {
        self.value = value
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s }
        else if let i = try? c.decode(Int64.self) { value = String(i) }
        else { value = String(try c.decode(Double.self)) }
    }
}
