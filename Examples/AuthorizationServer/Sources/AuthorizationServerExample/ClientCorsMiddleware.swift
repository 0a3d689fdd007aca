#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Hummingbird
import IdentityStorage

/// CORS decisions from the client store: a browser origin is allowed when some client lists it in
/// `allowedCorsOrigins` (upstream's `CorsPolicyService`). Answers preflights itself, and puts the headers on error
/// responses too.
struct ClientCorsMiddleware<Context: RequestContext>: RouterMiddleware {
    let clients: any ClientStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = try await clients.isOriginAllowed(origin)
        let isPreflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
        var response = isPreflight ? Response(status: .noContent) : try await responseOrError(request, context: context, next: next)
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

    /// The response, or the error's response: a browser reads an OAuth error only when it carries the CORS headers.
    private func responseOrError(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }
}
#endif  // ExampleServer
