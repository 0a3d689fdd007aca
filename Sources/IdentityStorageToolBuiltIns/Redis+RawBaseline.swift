import Foundation
import IdentityStorage
import IdentityStorageRedis
import IdentityStorageTool

/// The raw hiredis figures for `idstore bench`: the same commands the grant store sends (`HMGET` for get, its
/// scripts for upsert, take and consume), on plain threads, each with its own connection per node: no pool, no
/// async hop. In a cluster each key goes to the master the current slot map names.
extension RedisIdentityStorage: RawGrantBaseline {
    public func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64] {
        let settings = self.settings, keyspace = self.keys
        let route: [RedisEndpoint?]
        switch client.topology {
        case .standalone:
            let endpoint = configuration.endpoints[0]
            route = [RedisEndpoint?](repeating: RedisEndpoint(host: endpoint.host, port: endpoint.port), count: RedisSlot.count)
        case .cluster(let router):
            route = router.slotMap()
        }
        return try await RawBaselineThreads.onThreads(keys: keys, threads: concurrency) { slice in
            try Self.measure(operation, keys: slice, keyspace: keyspace, settings: settings, route: route)
        }
    }

    private static func measure(_ operation: RawGrantOperation, keys: [String], keyspace: RedisKeyspace, settings: RedisConnectionSettings,
                                route: [RedisEndpoint?]) throws -> [UInt64] {
        var connections: [RedisEndpoint: RedisConnection] = [:]
        defer { for connection in connections.values { connection.close() } }
        var latencies: [UInt64] = []
        latencies.reserveCapacity(keys.count)
        let now = Date()
        for key in keys {
            let command: RedisCommand = switch operation {
            case .get: RedisGrantCommands.get(key, keyspace)
            case .take: RedisGrantCommands.take(key, keyspace)
            case .consume: RedisGrantCommands.consume(key, at: now, keyspace)
            case .upsert:
                RedisGrantCommands.store(PersistedGrant(key: key, type: "refresh_token", subjectId: "bench", clientId: "bench",
                                                                     creationTime: now, expiration: now.addingTimeInterval(3600), data: "raw"), keyspace)
            }
            guard let endpoint = route[command.slot ?? 0] else {
                throw IdentityStorageError(.unavailable, "no master is known for slot \(command.slot ?? 0)")
            }
            let connection: RedisConnection
            if let open = connections[endpoint] {
                connection = open
            } else {
                connection = try RedisConnection(endpoint: endpoint, settings: settings)
                connections[endpoint] = connection
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let reply = try connection.execute(command)
            latencies.append(DispatchTime.now().uptimeNanoseconds - started)
            if case .error(let message) = reply { throw RedisErrors.map(message, context: "raw \(operation.rawValue)") }
        }
        return latencies
    }
}

extension RedisIdentityStorage: GrantBulkLoading {
    /// The store's upsert script for every grant, pipelined 1,000 at a time (one pipeline per node).
    public func bulkStoreGrants(_ grants: [PersistedGrant]) async throws {
        for grant in grants { try grant.validate() }
        var start = 0
        while start < grants.count {
            let batch = grants[start..<min(start + 1_000, grants.count)]
            start += batch.count
            _ = try await client.runAll(batch.map { RedisGrantCommands.store($0, keys) }, "loading grants")
        }
    }
}
