import AvisoLedger
import AvisoProjections
import Foundation
import Hummingbird

/// `GET /checkpoint`: the latest signed checkpoint note (`aviso checkpoint`), as text, for
/// anyone to save. It is read from its own file, never derived from the read models.
struct CheckpointController {
    typealias Context = AppRequestContext
    let store: AvisoStore

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("checkpoint", use: latest)
        return routes
    }

    @Sendable func latest(_ request: Request, context: Context) async throws -> Response {
        let files = CheckpointFiles(directory: store.directory.checkpoints)
        guard let note = try files.latest() else {
            throw APIError.notFound("no checkpoint has been signed yet (`aviso checkpoint`)")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: note.text)))
    }
}
