import Foundation
import IdentityStorage
import IdentityStorageRedis
import ServerTestSupport
import Testing

/// A refresh-token family revoked before the server restarts stays revoked after it. The shared test server keeps no
/// data across a restart (no persistence), which would prove nothing: this test runs a server of its own with an
/// append-only file (`appendfsync always`, as a deployment that must not lose a revocation configures it), on a free
/// port, restarts it on the same file, and checks the other family is back while the revoked one is not.
@Suite("Redis: refresh-token families across a restart")
struct RedisFamilyRestartTests {
    @Test(.timeLimit(.minutes(5)))
    func aFamilyRevokedBeforeARestartStaysRevoked() async throws {
        guard await RedisServers.shared.storage(.standalone) != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-family-restart-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try Self.freePort()
        let start = "redis-server --port \(port) --bind 127.0.0.1 --dir '\(directory)' --appendonly yes --appendfsync always --save '' --daemonize yes "
            + "--logfile '\(directory)/redis.log' --pidfile '\(directory)/redis.pid'"
        defer {
            RedisAdmin.shutdown(port: port)
            try? FileManager.default.removeItem(atPath: directory)
        }
        func open() async throws -> RedisIdentityStorage {
            #expect(await RedisAdmin.wait(upTo: 20) { RedisAdmin.ping(port: port) }, "the private server does not answer on \(port)")
            var configuration = try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis://127.0.0.1:\(port)/0"))
            configuration.keyPrefix = "idstore-family:"
            return try await RedisIdentityStorage.open(configuration)
        }
        let started = await RedisAdmin.shellAsync(start)
        try #require(started.status == 0, "starting a private redis-server failed: \(started.output)")
        let scenario = FamilyRevocationScenario()
        let before = try await open()
        try await scenario.prepare(before.makeStores().grants)
        await before.close()
        // SHUTDOWN (not NOSAVE): the server flushes its append-only file and exits; then it starts on the same file.
        RawRedis(port: port)?.command(["SHUTDOWN"])
        #expect(await RedisAdmin.wait(upTo: 20) { !RedisAdmin.ping(port: port) }, "the private server did not stop")
        let restarted = await RedisAdmin.shellAsync(start)
        try #require(restarted.status == 0, "restarting the private redis-server failed: \(restarted.output)")
        let after = try await open()
        do {
            try await scenario.verify(after.makeStores().grants)
        } catch {
            Issue.record("\(error)")
        }
        await after.close()
    }

    /// A TCP port nothing listens on now: the kernel's pick for a socket bound to port 0.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw IdentityStorageError(.unavailable, "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw IdentityStorageError(.unavailable, "bind() to a free port failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
