import Foundation
import IdentityStorage
import ServerTestSupport
import Testing

/// A change on one instance reaches the other instance's cache within the promise, on every backend.
@Suite("Configuration cache across instances")
struct ConfigurationCachePropagationTests {
    @Test(arguments: CachedBackend.allCases)
    func changesOnOneInstanceAreRefusedByTheOtherWithinThePromise(_ backend: CachedBackend) async throws {
        try await CachedInstances.with(backend) { instances in
            var client = cachedClient("propagation")
            let id = client.clientId
            try await instances.writer.clients.saveClient(client)
            try await instances.readerServesFromMemory()
            // The reader holds the client and its origin in memory from here on.
            #expect(try await instances.reader.clients.client(withId: id)?.enabled == true)
            let origin = origin(of: client)
            #expect(try await instances.reader.clients.isOriginAllowed(origin))
            var latencies = try await instances.expectEachChangeSeen(&client, "another instance")
            try await instances.writer.clients.deleteClient(withId: id)
            latencies.append(try await instances.expectSeen(since: .now, "client deleted",
                read: { try await instances.reader.clients.client(withId: id) }, seen: { $0 == nil }))

            try await instances.writer.resources.saveApiScope(ApiScope(name: id))
            latencies.append(try await instances.expectSeen(since: .now, "API scope added",
                read: { try await instances.reader.resources.apiScopes(withNames: [id]) }, seen: { $0.count == 1 }))
            print("ConfigurationCacheTests: \(backend.rawValue): changes seen by the other instance after \(latencies.map { "\($0)" }.joined(separator: ", "))")
        }
    }

    @Test(arguments: CachedBackend.shared)
    func aChangeByAnotherProcessReachesTheCache(_ backend: CachedBackend) async throws {
        try await CachedInstances.with(backend) { instances in
            var client = cachedClient("process")
            try await instances.writer.clients.saveClient(client)
            try await instances.readerServesFromMemory()
            #expect(try await instances.reader.clients.client(withId: client.clientId)?.enabled == true)
            client.enabled = false
            let document = try ConfigurationDocument(clients: [client]).json()
            if backend == .file {
                // A hand edit: the document rewritten in place, as an editor saves it.
                let path = String(instances.url!.dropFirst("file:".count))
                let text = try String(contentsOfFile: path, encoding: .utf8)
                #expect(text.contains(client.clientId))
                var edited = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
                var clients = edited["clients"] as! [[String: Any]]
                for index in clients.indices where clients[index]["clientId"] as? String == client.clientId { clients[index]["enabled"] = false }
                edited["clients"] = clients
                try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: path))
            } else {
                let file = CachedInstances.scratch.path(uniqueName("import") + ".json")
                try document.write(to: URL(fileURLWithPath: file))
                let url = instances.url!
                let run = try await shell(IdstoreExecutable.path, ["import", "--store", url, file])
                #expect(run.status == 0, "\(run.output)")
            }
            try await instances.expectSeen(since: .now, "client disabled by another process",
                read: { try await instances.reader.clients.client(withId: client.clientId) }, seen: { $0?.enabled == false })
        }
    }
}

/// The `idstore` built beside the tests.
enum IdstoreExecutable {
    static var path: String { PackagePaths.executable("idstore").path }
}
