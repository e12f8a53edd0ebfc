import Hummingbird

/// Times every request, whatever answered it (errors and refusals included), into the latency
/// histogram of its route group.
struct RequestLatencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        defer { metrics.recordLatency(group: RouteGroup(path: request.uri.path), ContinuousClock.now - start) }
        return try await next(request, context)
    }
}
