import Hummingbird
import IdentityStorage

/// CORS decisions from the client store: a browser origin is allowed when some client lists it in
/// `allowedCorsOrigins` (upstream's `CorsPolicyService`). Answers preflights itself.
struct ClientCorsMiddleware<Context: RequestContext>: RouterMiddleware {
    let clients: any ClientStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = try await clients.isOriginAllowed(origin)
        let isPreflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
        var response = isPreflight ? Response(status: .noContent) : try await next(request, context)
        response.headers[.vary] = "Origin"
        guard allowed else { return response }
        response.headers[.accessControlAllowOrigin] = origin
        if isPreflight {
            response.headers[.accessControlAllowMethods] = "GET, POST"
            response.headers[.accessControlAllowHeaders] = "Content-Type, Authorization"
            response.headers[.accessControlMaxAge] = "600"
        }
        return response
    }
}
