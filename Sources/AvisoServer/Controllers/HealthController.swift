import AvisoProjections
import Foundation
import Hummingbird

/// `GET /healthz` (JSON: ledger position, projection lag, which webhook checks are on, and
/// configuration warnings) and `GET /metrics` (Prometheus text).
struct HealthController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let metrics: ServerMetrics
    let arguments: AppArguments

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("healthz", use: health)
        routes.get("metrics", use: prometheus)
        return routes
    }

    struct Health: Encodable {
        struct Webhooks: Encodable {
            var twilioSignatureChecked: Bool
            var whatsappSignatureChecked: Bool
            var whatsappVerifyTokenSet: Bool
            /// The insecure development switch: a webhook whose secret is unset is accepted unsigned.
            var unsignedAccepted: Bool
        }
        var status: String
        /// "lmdb" or "postgresql"; for PostgreSQL also where (password masked).
        var ledgerBackend: String
        var ledgerLocation: String?
        var ledgerPosition: UInt64
        /// How many records this node's read models are behind the (shared) ledger's head.
        var projectionLag: UInt64
        var webhooks: Webhooks
        var providers: [String: String]
        var warnings: [String]
        /// Ledger records this build could not decode (left out of the read models), the first 20.
        var undecodableRecordCount: Int
        var undecodableRecords: [UndecodableRecord]
        /// The WhatsApp number as Meta last described it; nil before any sync or webhook.
        var whatsapp: WhatsAppHealth?
    }

    struct WhatsAppHealth: Encodable {
        var qualityRating: String?
        var messagingLimitTier: String?
        var catalogueSyncedAt: String?
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let undecodable = try await store.undecodableRecords()
        let lag = try await store.projectionLag()
        let account = try await store.readAsync { try WhatsAppAccountReadModel.account($0) }
        let unreadable = UndecodableRecords.summary(count: undecodable.count, first: undecodable.sample.first)
        let health = Health(
            status: unreadable == nil ? "ok" : "degraded", ledgerBackend: store.ledger.backendName,
            ledgerLocation: store.directory.sharedLedger?.description, ledgerPosition: try store.ledger.head().position, projectionLag: lag,
            webhooks: .init(twilioSignatureChecked: arguments.twilioAuthToken != nil,
                            whatsappSignatureChecked: arguments.whatsappAppSecret != nil,
                            whatsappVerifyTokenSet: arguments.whatsappVerifyToken != nil,
                            unsignedAccepted: arguments.insecureUnsignedWebhooks
                                && (arguments.twilioAuthToken == nil || arguments.whatsappAppSecret == nil)),
            providers: Dictionary(uniqueKeysWithValues: arguments.providers.map { ($0.key.rawValue, $0.value) }),
            warnings: arguments.configurationWarnings + (unreadable.map { [$0] } ?? []),
            undecodableRecordCount: undecodable.count, undecodableRecords: undecodable.sample,
            whatsapp: account.map {
                WhatsAppHealth(qualityRating: $0.qualityRating, messagingLimitTier: $0.messagingLimitTier, catalogueSyncedAt: $0.catalogueSyncedAt)
            })
        return try JSONResponse.make(health)
    }

    @Sendable func prometheus(_ request: Request, context: Context) async throws -> Response {
        let text = try await metrics.render(store: store)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
