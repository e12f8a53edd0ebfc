import Hummingbird

// The baseline for tools/webhook-bench: a Hummingbird route that reads the body and answers
// 200, nothing else (no middleware, no signature, no ledger).
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8090
let router = Router()
router.post("/api/webhooks/whatsapp") { request, context -> HTTPResponse.Status in
    _ = try await request.body.collect(upTo: 3 * 1024 * 1024)
    return .ok
}
router.post("/api/webhooks/twilio") { request, context -> HTTPResponse.Status in
    _ = try await request.body.collect(upTo: 3 * 1024 * 1024)
    return .ok
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"))
try await app.runService()
