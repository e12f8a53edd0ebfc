import Foundation
import HTTPTypes
import Hummingbird

/// One structured log line per request, with its id, route pattern, status and duration;
/// also counts it for `/metrics`. Webhooks arrive by the thousand a second: one answered 2xx
/// within a second is counted in `/metrics` (requests, latency, statuses) and not logged line
/// by line; a refused, failed or slow one is. It logs the path only: query strings (Meta's verify token),
/// headers, cookies and bodies never reach the log.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIdHeader: HTTPField.Name { HTTPField.Name("X-Request-Id")! }
    let metrics: ServerMetrics
    static var slow: Duration { .seconds(1) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        let status = Int(response.status.code)
        response.headers[Self.requestIdHeader] = context.id
        metrics.countRequest(method: request.method.rawValue, route: route, status: status)
        if status < 300, elapsed < Self.slow, RouteGroup(path: request.uri.path) == .webhooks { return response }
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        context.logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.route": "\(route)",
            "http.status": "\(status)",
            "duration_us": "\(micros)",
        ])
        return response
    }
}
