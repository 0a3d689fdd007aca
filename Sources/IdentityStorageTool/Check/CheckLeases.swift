import Foundation
import IdentityStorage
import IdentityStorageConformance

/// Keeps concurrent `idstore check` runs on one store out of each other's way. A case that needs a piece of shared
/// state to itself (``ConformanceCase/SharedState``) holds a lease on it: an entry added with add-if-absent, by real
/// time, so a lease left by a killed run expires on its own. The lease lives in the distributed cache of the store
/// that holds the state (the operational data's for expired rows, the configuration's for the client list), so two
/// runs whose deployments share that store but not their cache still exclude each other; a store that cannot hold
/// a cache (`file:`) has its leases in the deployment's cache.
///
/// Damage the corrupted-data cases do is written to a journal under the same lease before it is done, and repaired
/// (the damaged client or key-ring element deleted) when the case ends, and again by the next run to take the lease
/// when the run that did it was killed: a later run never trips over a damaged row.
struct CheckLeases: Sendable {
    /// How long a lease lasts unless renewed; a run renews the leases it holds a third of this apart.
    static let lifetime: Double = 30

    /// The deployment's stores, judging expiry by real time.
    let stores: IdentityStores
    /// Per shared state, the caches its lease is taken in, in the deployment's store order (the same in every run,
    /// so that two runs never each hold half of a state's leases). The first also keeps the damage journal.
    private let leaseCaches: [ConformanceCase.SharedState: [any DistributedCache]]
    let runId = UUID().uuidString

    init(deployment: Deployment) {
        stores = deployment.makeStores()
        let made = deployment.stores.map { $0.makeStores() }
        let cacheIndex = deployment.stores.indices.first { deployment.parts(of: $0).contains(.distributedCache) }!
        var leaseCaches: [ConformanceCase.SharedState: [any DistributedCache]] = [:]
        for state in ConformanceCase.SharedState.allCases {
            let indices = deployment.stores.indices.filter { !deployment.parts(of: $0).isDisjoint(with: Self.parts(holding: state)) }.map { index in
                let store = deployment.stores[index]
                return store.driver.parts(for: store.url).contains(.distributedCache) ? index : cacheIndex
            }
            leaseCaches[state] = Set(indices).sorted().map { made[$0].cache }
        }
        self.leaseCaches = leaseCaches
    }

    /// The parts of a deployment whose data `state` is.
    private static func parts(holding state: ConformanceCase.SharedState) -> Set<DeploymentPart> {
        switch state {
        case .keyMaterial: [.keyMaterial]
        case .housekeeping: [.operationalData, .distributedCache]
        case .clientList: [.configuration]
        }
    }

    /// Runs `body` holding the lease on `state` (nothing to hold for nil).
    func holding<T>(_ state: ConformanceCase.SharedState?, _ body: () async throws -> T) async throws -> T {
        guard let state else { return try await body() }
        let lease = "idstore-check.lease.\(state)", owner = Array(runId.utf8)
        let caches = leaseCaches[state] ?? []
        var held: [any DistributedCache] = []
        do {
            for cache in caches {
                try await take(lease, in: cache, for: state)
                held.append(cache)
            }
        } catch {
            for cache in held { try? await Self.release(lease, in: cache, owner: owner) }
            throw error
        }
        // A long case keeps its leases: renewed while it runs, as long as they are still this run's.
        let renewal = Task {
            while (try? await Task.sleep(for: .seconds(Self.lifetime / 3))) != nil {
                for cache in caches where (try? await cache.get(lease)) == owner {
                    try? await cache.set(lease, value: owner, options: .relative(Self.lifetime))
                }
            }
        }
        defer { renewal.cancel() }
        do {
            try await repair(state)
            let result = try await body()
            try await release(state, lease)
            return result
        } catch {
            try? await release(state, lease)
            throw error
        }
    }

    /// Adds the lease to `cache`, waiting (with a line that says so) while another run holds it.
    private func take(_ lease: String, in cache: any DistributedCache, for state: ConformanceCase.SharedState) async throws {
        var announced = false
        while try await !cache.add(lease, value: Array(runId.utf8), options: .relative(Self.lifetime)) {
            if !announced {
                Terminal.progress("check: waiting for the \(state) lease of another idstore check run on this store "
                    + "(a run that died leaves it for \(Int(Self.lifetime)) s at most)")
                announced = true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The harness's corrupter, journaling each damage before doing it.
    func journaling(_ corrupter: (any StoredDataCorrupting)?) -> (any StoredDataCorrupting)? {
        corrupter.map { Journaled(base: $0, leases: self) }
    }

    private func release(_ state: ConformanceCase.SharedState, _ lease: String) async throws {
        try await repair(state)
        for cache in (leaseCaches[state] ?? []).reversed() { try await Self.release(lease, in: cache, owner: Array(runId.utf8)) }
    }

    private static func release(_ lease: String, in cache: any DistributedCache, owner: [UInt8]) async throws {
        if try await cache.get(lease) == owner { try await cache.remove(lease) }
    }

    /// Where the damage journal of `state` lives: beside its first lease.
    private func journalCache(_ state: ConformanceCase.SharedState) -> any DistributedCache {
        leaseCaches[state]?.first ?? stores.cache
    }

    /// Deletes what the journal of `state` says was damaged and is still there, then empties the journal.
    private func repair(_ state: ConformanceCase.SharedState) async throws {
        let journal = Self.journal(state), cache = journalCache(state)
        guard let bytes = try await cache.get(journal) else { return }
        for damage in (try? JSONDecoder().decode([StoredDataCorruption].self, from: Data(bytes))) ?? [] {
            switch damage {
            case .clientRefreshTokenUsage(let clientId), .clientAccessTokenType(let clientId):
                try await stores.clients.deleteClient(withId: clientId)
            case .keyRingElement(let id):
                try await stores.keyRing.deleteElements(withIds: [id])
            case .grant(let key):
                try await stores.grants.removeGrant(forKey: key)
            }
        }
        try await cache.remove(journal)
    }

    /// Records `damage` in the journal of the state it touches (under that state's lease, held by the case).
    func record(_ damage: StoredDataCorruption) async throws {
        guard let state = Self.state(of: damage) else { return }
        let journal = Self.journal(state), cache = journalCache(state)
        var damages = try await cache.get(journal).flatMap { try? JSONDecoder().decode([StoredDataCorruption].self, from: Data($0)) } ?? []
        damages.append(damage)
        try await cache.set(journal, value: Array(try JSONEncoder().encode(damages)), options: .none)
    }

    /// The shared state a damage would break for other cases: damaged clients break client walks, a damaged element
    /// the whole ring; a damaged grant breaks nothing but its own reads.
    private static func state(of damage: StoredDataCorruption) -> ConformanceCase.SharedState? {
        switch damage {
        case .clientRefreshTokenUsage, .clientAccessTokenType: .clientList
        case .keyRingElement: .keyMaterial
        case .grant: nil
        }
    }

    private static func journal(_ state: ConformanceCase.SharedState) -> String { "idstore-check.damage.\(state)" }

    /// A corrupter that journals first.
    private struct Journaled: StoredDataCorrupting {
        let base: any StoredDataCorrupting
        let leases: CheckLeases

        func corrupt(_ corruption: StoredDataCorruption) async throws {
            try await leases.record(corruption)
            try await base.corrupt(corruption)
        }
    }
}

/// The suite on a deployment for `idstore check`: the deployment's stores and corrupter, the corrupter journaling.
struct CheckHarness: ConformanceHarness {
    let deployment: DeploymentHarness
    let leases: CheckLeases
    /// A run's own: it runs one case at a time, and runs sharing its store keep apart through ``leases``, also when
    /// they are in other processes, which no in-process gate reaches.
    let database = ConformanceDatabase.named("idstore check run \(UUID().uuidString)")

    var backendName: String { deployment.backendName }

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        try await deployment.makeStores(clock: clock)
    }

    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        leases.journaling(deployment.corrupter(for: stores))
    }
}
