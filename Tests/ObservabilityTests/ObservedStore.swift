import Foundation
import IdentityStorage
import IdentityStorageOpener
import ServerTestSupport
import Synchronization

/// A private store of one backend opened with the test kits, for one test.
struct ObservedStore: Sendable {
    let backend: TestBackend
    let url: String
    let store: OpenedStore
    let kits: TelemetryKits
    let scratch: Scratch

    /// Opens `backend`'s private store `name` (with `parameters` added to its URL); nil when its server does not answer.
    static func open(_ backend: TestBackend, _ name: String, parameters: [String] = [], kits: TelemetryKits = TelemetryKits(),
                     test: String = #function) async throws -> ObservedStore? {
        let scratch = try Scratch()
        var url = try await backend.privateStore(name, in: scratch)
        for parameter in parameters { url += (url.contains("?") ? "&" : "?") + parameter }
        guard await TestBackend.answers(url, test) else { return nil }
        let store = try await ServerGate.sharing(store: url) {
            try await StoreOpener.builtIn.open(url: url, options: StoreOpenOptions(observability: kits.observability()))
        }
        return ObservedStore(backend: backend, url: url, store: store, kits: kits, scratch: scratch)
    }

    /// The backend's system name in telemetry.
    var system: String {
        switch backend {
        case .postgres: "postgresql"
        case .redisCluster: "redis"
        default: backend.rawValue
        }
    }

    /// Whether the backend runs its calls on a connection pool (and so reports pool gauges).
    var hasPool: Bool { backend != .memory }
}

/// A grant under `key` that expires in an hour, or expired an hour ago.
func observedGrant(_ key: String, expired: Bool = false) -> PersistedGrant {
    let now = Date().roundedToStoragePrecision
    let created = expired ? now.addingTimeInterval(-7200) : now
    return PersistedGrant(key: key, type: "authorization_code", subjectId: "subject", clientId: "client", creationTime: created,
                          expiration: created.addingTimeInterval(3600), data: "{\"code\":\"\(key)\"}")
}

/// A value the tasks of a test share, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func update<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
    var current: Value { value.withLock { $0 } }
}
