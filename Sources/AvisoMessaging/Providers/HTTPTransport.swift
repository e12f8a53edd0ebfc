import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Named apart from HTTPTypes' `HTTPRequest`, which Hummingbird re-exports into the same files.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// No HTTP response at all. Both cases are retryable, but note the request may have
/// reached the provider (a timeout after the provider accepted means a possible duplicate).
public enum HTTPTransportError: Error, Sendable, Equatable {
    case timedOut
    case connectionFailed(String)
    case cancelled
}

/// The one HTTP call the providers need, so tests can point them anywhere.
public protocol HTTPTransport: Sendable {
    func send(_ request: TransportRequest) async throws(HTTPTransportError) -> TransportResponse
}

/// The real transport: Foundation's URLSession, with every request bounded by `timeout`.
///
/// On Linux, swift-corelibs-foundation truncates `timeoutInterval` to whole seconds
/// (`Int(timeoutInterval) * 1000` ms), so 0.3 s becomes an immediate timeout. The session gets
/// the timeout rounded *up* to a whole second as a backstop, and the exact bound is enforced
/// here by racing the request against a sleep in a task group.
public final class URLSessionTransport: HTTPTransport {
    public let timeout: Duration
    private let session: URLSession

    /// - Parameter timeout: upper bound for one request (default 10 s), so a stuck provider
    ///   can't stall a reminder run.
    public init(timeout: Duration = .seconds(10)) {
        self.timeout = timeout
        let config = URLSessionConfiguration.ephemeral  // no cookies/cache/credential store
        let backstop = max(1, timeout.seconds.rounded(.up))
        config.timeoutIntervalForRequest = backstop
        config.timeoutIntervalForResource = backstop
        config.urlCache = nil
        config.httpCookieStorage = nil
        session = URLSession(configuration: config)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: TransportRequest) async throws(HTTPTransportError) -> TransportResponse {
        let timeout = self.timeout
        let result = await withTaskGroup(of: Result<TransportResponse, HTTPTransportError>.self) { group in
            group.addTask { await self.perform(request) }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return .failure(.cancelled) }
                return .failure(.timedOut)
            }
            let first = await group.next()!
            group.cancelAll()  // cancels the loser: the URLSession task or the timer
            return first
        }
        return try result.get()
    }

    private func perform(_ request: TransportRequest) async -> Result<TransportResponse, HTTPTransportError> {
        // Built here, inside the child task: URLRequest isn't Sendable on Linux.
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.timeoutInterval = session.configuration.timeoutIntervalForRequest
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            switch error.code {
            case .timedOut: return .failure(.timedOut)
            case .cancelled: return .failure(.cancelled)
            default: return .failure(.connectionFailed("URLError \(error.code.rawValue)"))
            }
        } catch is CancellationError {
            return .failure(.cancelled)
        } catch {
            return .failure(.connectionFailed(String(describing: type(of: error))))
        }
        guard let http = response as? HTTPURLResponse else { return .failure(.connectionFailed("not an HTTP response")) }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return .success(TransportResponse(status: http.statusCode, headers: headers, body: data))
    }
}
