import Crypto

/// CIBA requests (upstream `IBackChannelAuthenticationRequestStore`).
///
/// Adapters implement the internal-id operations; the public-id operations are provided here, so
/// every backend hashes public ids the same way.
public protocol BackchannelAuthenticationRequestStore: Sendable {
    /// Stores `request` under its ``BackchannelAuthenticationRequest/internalId``.
    /// An existing id gives ``IdentityStorageError/Code-swift.struct/duplicate``.
    func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws

    /// The request with exactly this internal id; nil when none. Expiry is not checked.
    func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest?

    /// Requests of `subjectId` (and of `clientId` when given), complete and expired ones included.
    func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest]

    /// Replaces the request with this internal id (the stored internal id is kept); false when none.
    @discardableResult
    func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool

    /// Removes the request; false when there was none.
    @discardableResult func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool

    /// Get-and-delete in one step: exactly one concurrent caller receives the request.
    func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest?
}

extension BackchannelAuthenticationRequestStore {
    /// Creates the request under a new random public id, which is returned (the client's `auth_req_id`);
    /// the store keeps only its hash.
    public func createBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws -> String {
        let publicId = RandomHandle.make()
        var stored = request
        stored.internalId = Self.internalId(forAuthenticationRequestId: publicId)
        try await storeBackchannelRequest(stored)
        return publicId
    }

    /// The request whose public id is `authenticationRequestId`; nil when none.
    public func backchannelRequest(forAuthenticationRequestId authenticationRequestId: String) async throws -> BackchannelAuthenticationRequest? {
        try await backchannelRequest(forInternalId: Self.internalId(forAuthenticationRequestId: authenticationRequestId))
    }

    /// The internal id of a public request id: upper-case hex SHA-256, as upstream's v6+ handles.
    public static func internalId(forAuthenticationRequestId authenticationRequestId: String) -> String {
        Hex.upper(SHA256.hash(data: Array(authenticationRequestId.utf8)))
    }
}

/// Random handles for ids the store generates (CIBA public ids, authorization-parameter message ids).
public enum RandomHandle {
    /// 32 random bytes from the system's secure generator, as upper-case hex.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.upper((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
