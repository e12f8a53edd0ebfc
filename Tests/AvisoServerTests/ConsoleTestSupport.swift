import AvisoLedger
import AvisoProjections
@testable import AvisoServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A console browser session as the tests carry it: the cookie pair and the page's CSRF token.
struct ConsoleSession: Sendable {
    var cookie: String
    var csrf: String
}

/// What a console request answered, body as text.
struct ConsoleAnswer: Sendable {
    var status: HTTPResponse.Status
    var body: String
    var location: String?
    var setCookie: String?
    var contentType: String?
}

enum ConsoleForms {
    static func encode(_ pairs: [(String, String)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(["-", "_", ".", "~"])
        return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    /// The first `_csrf` hidden field of a page.
    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        let match = String(html[range])
        return match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    /// `aviso_session=…` from a Set-Cookie header.
    static func cookiePair(_ setCookie: String?) -> String? {
        setCookie?.split(separator: ";").first.map(String.init)
    }
}

extension TestClientProtocol {
    func console(_ uri: String, method: HTTPRequest.Method = .get, session: ConsoleSession? = nil, form: [(String, String)]? = nil,
                 csrf: Bool = true, headers extra: HTTPFields = [:], body: String? = nil) async throws -> ConsoleAnswer {
        var headers = extra
        if let session { headers[.cookie] = session.cookie }
        var text = body
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            text = ConsoleForms.encode((csrf && session != nil ? [("_csrf", session!.csrf)] : []) + form)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: text.map { ByteBuffer(string: $0) }) { response in
            ConsoleAnswer(status: response.status, body: String(buffer: response.body), location: response.headers[.location],
                          setCookie: response.headers[.setCookie], contentType: response.headers[.contentType])
        }
    }

    /// Signs in through the HTML form and picks the CSRF token off a page.
    func consoleLogin(_ login: String, password: String? = nil, ip: String = "10.0.0.20") async throws -> ConsoleSession {
        let answer = try await console("/ingresar", method: .post, form: [("login", login), ("password", password ?? TestSecrets.passwords[login]!)],
                                       headers: [HTTPField.Name("X-Forwarded-For")!: ip])
        #expect(answer.status == .seeOther, "login \(login): \(answer.status) \(answer.body.prefix(300))")
        let cookie = try #require(ConsoleForms.cookiePair(answer.setCookie))
        let page = try await console("/configuracion/credenciales", session: ConsoleSession(cookie: cookie, csrf: ""))
        return ConsoleSession(cookie: cookie, csrf: try #require(ConsoleForms.csrf(in: page.body)))
    }
}

extension TestEnvironment {
    /// Appends events as a test fixture (what the scheduler or a webhook would have written).
    func seed(_ events: [LedgerEvent], actor: String = "test") async throws {
        try await store.append(events.map { NewEvent($0, actor: actor) })
    }

    func userId(_ login: String) throws -> String {
        try store.read { try String.fetchOne($0, sql: "SELECT id FROM users WHERE login = ?", arguments: [login]) } ?? ""
    }

    func records() throws -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        try store.ledger.forEachRecord { out.append($0) }
        return out
    }
}
