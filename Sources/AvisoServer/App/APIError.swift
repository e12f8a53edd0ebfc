import Foundation
import Hummingbird

/// The one error shape every route answers with: `{"error": {"code": "...", "message": "..."}}`.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func badRequest(_ message: String, code: String = "bad_request") -> APIError { .init(.badRequest, code: code, message) }
    public static func notFound(_ message: String, code: String = "not_found") -> APIError { .init(.notFound, code: code, message) }
    public static func forbidden(_ message: String, code: String = "forbidden") -> APIError { .init(.forbidden, code: code, message) }
    public static func unauthenticated(_ message: String = "sign in first") -> APIError { .init(.unauthorized, code: "unauthenticated", message) }
    public static func unprocessable(_ message: String, code: String = "invalid") -> APIError { .init(.unprocessableContent, code: code, message) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.jsonResponse(status: status, code: code, message: message, headers: headers)
    }

    static func jsonResponse(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["error": ["code": code, "message": message]],
                                                options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error a route throws into the JSON error shape; unexpected ones become a
/// 500 whose message says nothing about internals (the log has the detail).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.asResponse
        } catch let error as HTTPError {
            return APIError.jsonResponse(status: error.status, code: Self.code(for: error.status),
                                         message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch is DecodingError {
            return APIError.jsonResponse(status: .badRequest, code: "invalid_json", message: "the request body is not the JSON this route expects")
        } catch let error as any HTTPResponseError {
            return APIError.jsonResponse(status: error.status, code: Self.code(for: error.status), message: error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))", "error": "\(error)"])
            return APIError.jsonResponse(status: .internalServerError, code: "internal", message: "internal error; see the server log")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthenticated"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "invalid"
        case 429: "too_many_requests"
        default: status.code >= 500 ? "internal" : "error"
        }
    }
}

extension APIError {
    var asResponse: Response { Self.jsonResponse(status: status, code: code, message: message, headers: headers) }
}

/// JSON responses from `Encodable` values with our encoder settings.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// JSON already written (by hand, on a hot path), with the same headers.
    static func make(json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
