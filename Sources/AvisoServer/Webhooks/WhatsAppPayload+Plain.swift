/// `WhatsAppPayload` from `PlainJSON`, field by field as its `Decodable` conformance reads it:
/// a missing or null field is nil, an unknown one ignored. A field of another type makes the
/// whole reading nil, and `JSONDecoder` then refuses the body as before.
extension WhatsAppPayload {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain),
              let object = f.string("object"), let entry = f.array("entry", Entry.init(plain:)) else { return nil }
        self.init(object: object, entry: entry)
    }
}

extension WhatsAppPayload.Entry {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain), let id = f.string("id"), let changes = f.array("changes", WhatsAppPayload.Change.init(plain:)) else {
            return nil
        }
        self.init(id: id, changes: changes)
    }
}

extension WhatsAppPayload.Change {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain), let field = f.string("field"), let value = f.object("value", WhatsAppPayload.Value.init(plain:)) else {
            return nil
        }
        self.init(field: field, value: value)
    }
}

extension WhatsAppPayload.Value {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain),
              let statuses = f.array("statuses", WhatsAppPayload.Status.init(plain:)),
              let messages = f.array("messages", WhatsAppPayload.Message.init(plain:)),
              let event = f.string("event"), let templateId = f.flexible("message_template_id"),
              let templateName = f.string("message_template_name"), let templateLanguage = f.string("message_template_language"),
              let templateCategory = f.string("message_template_category"), let reason = f.string("reason"),
              let newCategory = f.string("new_category"), let currentLimit = f.string("current_limit") else { return nil }
        self.init(statuses: statuses, messages: messages, event: event, message_template_id: templateId,
                  message_template_name: templateName, message_template_language: templateLanguage,
                  message_template_category: templateCategory, reason: reason, new_category: newCategory,
                  current_limit: currentLimit)
    }
}

extension WhatsAppPayload.Status {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain), let id = f.string("id"), let status = f.string("status"),
              let timestamp = f.string("timestamp"), let recipient = f.string("recipient_id"),
              let errors = f.array("errors", WhatsAppPayload.ErrorItem.init(plain:)),
              let callback = f.string("biz_opaque_callback_data"),
              let pricing = f.object("pricing", WhatsAppPayload.Pricing.init(plain:)) else { return nil }
        self.init(id: id, status: status, timestamp: timestamp, recipient_id: recipient, errors: errors,
                  biz_opaque_callback_data: callback, pricing: pricing)
    }
}

extension WhatsAppPayload.Pricing {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain), let billable = f.bool("billable"), let model = f.string("pricing_model"),
              let category = f.string("category"), let type = f.string("type") else { return nil }
        self.init(billable: billable, pricing_model: model, category: category, type: type)
    }
}

extension WhatsAppPayload.ErrorItem {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain), let code = f.flexible("code") else { return nil }
        self.init(code: code)
    }
}

extension WhatsAppPayload.Message {
    init?(plain: PlainJSON) {
        guard let f = PlainFields(plain), let from = f.string("from"), let id = f.string("id"),
              let timestamp = f.string("timestamp"), let type = f.string("type"),
              let text = f.object("text", { PlainFields($0).flatMap { f in f.string("body").map(Text.init(body:)) } }),
              let button = f.object("button", { PlainFields($0).flatMap { f in
                  f.string("text").flatMap { text in f.string("payload").map { Button(text: text, payload: $0) } } } }),
              let interactive = f.object("interactive", Interactive.init(plain:)) else { return nil }
        self.init(from: from, id: id, timestamp: timestamp, type: type, text: text, button: button, interactive: interactive)
    }
}

extension WhatsAppPayload.Message.Interactive {
    init?(plain: PlainJSON) {
        let reply = { (node: PlainJSON) in PlainFields(node).flatMap { f in f.string("title").map(Reply.init(title:)) } }
        guard let f = PlainFields(plain), let button = f.object("button_reply", reply), let list = f.object("list_reply", reply) else {
            return nil
        }
        self.init(button_reply: button, list_reply: list)
    }
}

/// An object's fields, each read as `decodeIfPresent` would: `.some(nil)` when missing or
/// null, `.some(value)` when of the type asked for, nil (give up) otherwise.
struct PlainFields {
    let members: [String: PlainJSON]

    init?(_ node: PlainJSON) {
        guard case let .object(members) = node else { return nil }
        self.members = members
    }

    private func read<T>(_ key: String, _ convert: (PlainJSON) -> T?) -> T?? {
        switch members[key] {
        case nil, .null?: return .some(nil)
        case let node?: return convert(node).map { .some($0) }
        }
    }

    func string(_ key: String) -> String?? {
        read(key) { if case let .string(s) = $0 { s } else { nil } }
    }

    func bool(_ key: String) -> Bool?? {
        read(key) { if case let .bool(b) = $0 { b } else { nil } }
    }

    func object<T>(_ key: String, _ make: (PlainJSON) -> T?) -> T?? {
        read(key, make)
    }

    /// Every item must read, as `Decodable` arrays do.
    func array<T>(_ key: String, _ make: (PlainJSON) -> T?) -> [T]?? {
        read(key) { node -> [T]? in
            guard case let .array(items) = node else { return nil }
            var out: [T] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard let value = make(item) else { return nil }
                out.append(value)
            }
            return out
        }
    }

    /// `FlexibleString`: a string, or an integer that fits in 64 bits, as text.
    func flexible(_ key: String) -> FlexibleString?? {
        read(key) { node -> FlexibleString? in
            switch node {
            case let .string(s): return FlexibleString(value: s)
            case let .integer(digits): return Int64(digits).map { FlexibleString(value: String($0)) }
            default: return nil
            }
        }
    }
}
