import Foundation
import IdentityStorage

/// CIBA requests in memory, keyed byte-exactly by internal id.
public final class MemoryBackchannelAuthenticationRequestStore: BackchannelAuthenticationRequestStore {
    private let requests: MemoryTable<[ExactString: BackchannelAuthenticationRequest]>
    private let clock: any WallClock

    /// An empty store whose expiry decisions read `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        requests = MemoryTable([:])
        self.clock = clock
    }

    /// A store over the same data as `other`, judging time by `clock`.
    init(sharingDataWith other: MemoryBackchannelAuthenticationRequestStore, clock: any WallClock) {
        requests = other.requests
        self.clock = clock
    }

    public func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws {
        try request.validate()
        try requests.withLock { requests throws(IdentityStorageError) in
            let key = ExactString(request.internalId)
            guard requests[key] == nil else { throw .duplicate("a backchannel request with this internal id is already stored") }
            requests[key] = request.atStoragePrecision
        }
    }

    public func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return requests.withLock { $0[ExactString(internalId)] }
    }

    public func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] {
        try FieldValidation.key(subjectId, "subjectId")
        try FieldValidation.optionalKey(clientId, "clientId")
        return requests.withLock { requests in
            requests.values.filter { request in
                request.subjectId.exactlyEquals(subjectId) && (clientId.map { request.clientId.exactlyEquals($0) } ?? true)
            }
        }
    }

    @discardableResult
    public func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool {
        let replacement = try request.replacement(forInternalId: internalId)
        return requests.withLock { requests in
            let key = ExactString(internalId)
            guard requests[key] != nil else { return false }
            requests[key] = replacement
            return true
        }
    }

    @discardableResult
    public func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool {
        try await takeBackchannelRequest(forInternalId: internalId) != nil
    }

    public func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return requests.withLock { $0.removeValue(forKey: ExactString(internalId)) }
    }

    func removeExpired(before now: Date, limit: Int) -> Int {
        requests.withLock { requests in
            let doomed = requests.filter { $0.value.expiration < now }
                .sorted { $0.value.expiration != $1.value.expiration ? $0.value.expiration < $1.value.expiration : $0.key < $1.key }
                .prefix(limit)
            for (key, _) in doomed { requests.removeValue(forKey: key) }
            return doomed.count
        }
    }
}
