import AvisoLedger
import AvisoMessaging
import AvisoProjections
import AvisoScheduler
import Foundation
import Hummingbird

/// `/api/notifications/…`: preview (renders, appends nothing), test send, and the
/// scheduler's runs, which go through `NotificationActions`. The runs also answer GET, the way
/// the lender's cron host calls them; `AccessPolicy` lets only the bearer secret make that GET.
struct NotificationsController {
    typealias Context = AppRequestContext
    let store: AvisoStore
    let actions: any NotificationActions
    let providers: [Channel: String]

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("preview", use: preview)
        routes.post("test", use: test)
        routes.post("run", use: run)
        routes.post("reactivate", use: reactivate)
        routes.get("run", use: run)
        routes.get("reactivate", use: reactivate)
        return routes
    }

    @Sendable func preview(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        guard let stage = query["stage"].map(String.init), !stage.isEmpty else {
            throw APIError.badRequest("give ?stage=", code: "unknown_stage")
        }
        guard let clientId = query["clientId"].map(String.init), !clientId.isEmpty else {
            throw APIError.badRequest("give ?clientId=", code: "missing_client")
        }
        let channel = try Self.channel(query["channel"].map(String.init))
        guard TemplateStage.resolve(schedulerStage: stage) != nil else {
            throw APIError.badRequest(MessageDraftError.unknownStage(stage).description, code: "unknown_stage")
        }
        let caller = context.caller!
        let draft = try await store.readAsync { db in
            _ = try ClientScope.client(clientId, for: caller, db)
            var draft = try Self.mapDraftErrors { try MessageDraftBuilder.build(db, clientId: clientId, stageName: stage, channel: channel) }
            draft.context.transliteratesSMS = try MessagingSettings.current(db).transliteratesSMS
            return draft
        }
        let rendered = try Self.mapDraftErrors { try draft.render() }
        let preview = MessagePreview(draft: draft, rendered: rendered, provider: providers[draft.channel] ?? "dry-run")
        return try JSONResponse.make(SMSCostPreview(preview: preview, sms: draft.channel == .sms ? .init(rendered.sms) : nil))
    }

    @Sendable func test(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let input: TestSendRequest
        do {
            input = try JSONDecoder().decode(TestSendRequest.self, from: Data(buffer: body))
        } catch {
            throw APIError.badRequest("expected JSON {clientId, stage?, channel?, dryRun?}", code: "invalid_json")
        }
        let service = TestSendService(store: store, actions: actions)
        return try JSONResponse.make(try await service.send(input, caller: context.caller!, logger: context.logger))
    }

    @Sendable func run(_ request: Request, context: Context) async throws -> Response {
        let dryRun = try Self.dryRun(request)
        let actor = context.caller!.actor
        let summary = try await Self.mapActionErrors { try await actions.run(dryRun: dryRun, actor: actor) }
        return try JSONResponse.make(summary)
    }

    @Sendable func reactivate(_ request: Request, context: Context) async throws -> Response {
        let dryRun = try Self.dryRun(request)
        let actor = context.caller!.actor
        let summary = try await Self.mapActionErrors { try await actions.reactivate(dryRun: dryRun, actor: actor) }
        return try JSONResponse.make(summary)
    }

    static func dryRun(_ request: Request) throws -> Bool {
        guard let value = request.uri.queryParameters["dryRun"].map(String.init) else { return false }
        switch value.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("dryRun must be true or false", code: "invalid_parameter")
        }
    }

    static func channel(_ value: String?) throws -> Channel? {
        guard let value, !value.isEmpty else { return nil }
        guard let channel = Channel(rawValue: value.lowercased()) else {
            throw APIError.badRequest("`\(value)` is not a channel (whatsapp, sms)", code: "unknown_channel")
        }
        return channel
    }

    static func mapDraftErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MessageDraftError {
            switch error {
            case .unknownStage: throw APIError.badRequest(error.description, code: "unknown_stage")
            case .unknownClient: throw APIError.notFound(error.description)
            case .templateMissing: throw APIError.unprocessable(error.description, code: "template_missing")
            case .nothingToRemind: throw APIError.unprocessable(error.description, code: "nothing_to_remind")
            case .render: throw APIError.unprocessable(error.description, code: "render_error")
            }
        }
    }

    static func mapActionErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as NotificationActionError {
            switch error {
            case let .notFound(m): throw APIError.notFound(m)
            case let .invalid(m): throw APIError.unprocessable(m)
            case let .conflict(m): throw APIError(.conflict, code: "conflict", m)
            case let .unavailable(m): throw APIError(.serviceUnavailable, code: "unavailable", m)
            }
        }
    }
}
