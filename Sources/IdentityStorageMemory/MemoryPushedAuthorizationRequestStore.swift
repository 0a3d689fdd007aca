import Foundation
import IdentityStorage

/// Pushed authorization requests in memory, keyed byte-exactly by reference-value hash.
public final class MemoryPushedAuthorizationRequestStore: PushedAuthorizationRequestStore {
    private let requests: MemoryTable<[ExactString: PushedAuthorizationRequest]>
    private let clock: any WallClock

    /// An empty store whose expiry decisions read `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        requests = MemoryTable([:])
        self.clock = clock
    }

    /// A store over the same data as `other`, judging time by `clock`.
    init(sharingDataWith other: MemoryPushedAuthorizationRequestStore, clock: any WallClock) {
        requests = other.requests
        self.clock = clock
    }

    public func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        try requests.withLock { requests throws(IdentityStorageError) in
            let key = ExactString(request.referenceValueHash)
            guard requests[key] == nil else { throw .duplicate("a pushed authorization request with this hash is already stored") }
            requests[key] = request.atStoragePrecision
        }
    }

    public func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return requests.withLock { $0[ExactString(referenceValueHash)] }
    }

    @discardableResult
    public func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try await takePushedAuthorizationRequest(forHash: referenceValueHash) != nil
    }

    public func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return requests.withLock { $0.removeValue(forKey: ExactString(referenceValueHash)) }
    }

    func removeExpired(before now: Date, limit: Int) -> Int {
        requests.withLock { requests in
            let doomed = requests.filter { $0.value.expiresAt < now }
                .sorted { $0.value.expiresAt != $1.value.expiresAt ? $0.value.expiresAt < $1.value.expiresAt : $0.key < $1.key }
                .prefix(limit)
            for (key, _) in doomed { requests.removeValue(forKey: key) }
            return doomed.count
        }
    }
}
