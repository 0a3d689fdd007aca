import CLibPQ
import IdentityStorage
import IdentityStorageBlockingPool

extension PostgresConnection {
    /// Moves the notifications libpq has parsed into ``notifications``.
    func collectNotifications(_ connection: OpaquePointer) {
        while let notification = PQnotifies(connection) {
            notifications.append(notification.pointee.extra.map { String(cString: $0) } ?? "")
            PQfreemem(notification)
        }
    }

    /// The payloads received so far (waiting up to `timeout` for the server to send something when none are),
    /// in the order the server sent them. Throws `unavailable` when the connection is lost.
    func takeNotifications(waitingUpTo timeout: Duration) throws(IdentityStorageError) -> [String] {
        guard let connection = handle, !broken, PQstatus(connection) == CONNECTION_OK else {
            throw IdentityStorageError(.unavailable, "the PostgreSQL listening connection was lost")
        }
        collectNotifications(connection)
        if notifications.isEmpty, timeout > .zero {
            let ready = clibpq_wait_socket(connection, Int16(POLLIN), timeout.pollMilliseconds)
            if ready < 0 || (ready > 0 && PQconsumeInput(connection) == 0) || PQstatus(connection) != CONNECTION_OK {
                broken = true
                throw IdentityStorageError(.unavailable, "the PostgreSQL listening connection was lost",
                                           backendDetail: .init(backend: "postgres", code: nil, message: Self.message(connection)))
            }
            collectNotifications(connection)
        }
        defer { notifications.removeAll() }
        return notifications
    }
}
