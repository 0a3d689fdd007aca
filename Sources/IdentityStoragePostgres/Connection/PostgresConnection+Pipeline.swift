import CLibPQ
import IdentityStorage
import IdentityStorageSQL

/// A statement that stands alone (needs no transaction of its own and no other statement), as the pipeline runs it:
/// its SQL, its parameters, and what to make of its result on the connection's thread.
package struct PipelinedStatement: Sendable {
    let sql: String
    let bindings: [SQLValue]
    /// Reads the statement's result (valid only during the call) into what its caller gets.
    let consume: @Sendable (PostgresResult) throws -> any Sendable
}

extension PostgresConnection {
    /// Runs standalone statements in one round trip with libpq's pipeline mode (libpq 14+): every statement is sent,
    /// each followed by a sync, and then every answer is read. A sync after each statement makes each its own
    /// implicit transaction, exactly as if it had been sent alone, so a statement that fails fails only itself.
    ///
    /// Returns one outcome per statement, in order; throws (failing them all) only when the connection itself fails.
    /// A single statement takes the usual path: a pipeline of one would send the same messages.
    package func pipeline(_ statements: [PipelinedStatement]) throws(IdentityStorageError) -> [Result<any Sendable, any Error>] {
        if statements.count == 1, let statement = statements.first {
            let result = try execute(statement.sql, statement.bindings, cached: true)
            defer { PQclear(result) }
            return [Result { try statement.consume(PostgresResult(result: result)) }]
        }
        let connection = try ready()
        // Statements not yet prepared on this connection are prepared first, each in its own round trip, once. A
        // statement that cannot be prepared, or whose parameters cannot be sent (a NUL in a text value), is answered
        // at once and not sent.
        var outcomes: [Result<any Sendable, any Error>?] = Array(repeating: nil, count: statements.count)
        var names: [String?] = []
        for (index, statement) in statements.enumerated() {
            do {
                names.append(try prepared(statement.sql, connection))
            } catch where !broken {
                names.append(nil)
                outcomes[index] = .failure(error)
            }
        }
        guard PQenterPipelineMode(connection) == 1 else { throw lost(connection, "entering pipeline mode") }
        settings.roundTrips.increment()
        for (index, (statement, name)) in zip(statements, names).enumerated() {
            guard let name else { continue }
            let sent: Int32
            do {
                sent = try Self.withParameters(statement.bindings, statement.sql) { count, values, lengths, formats in
                    PQsendQueryPrepared(connection, name, count, values, lengths, formats, 1)
                }
            } catch {
                outcomes[index] = .failure(error)
                continue
            }
            guard sent == 1, PQpipelineSync(connection) == 1 else {
                broken = true
                throw lost(connection, statement.sql)
            }
        }
        let deadline = settings.answerTimeout.map { ContinuousClock.now + $0 }
        for (index, statement) in statements.enumerated() where outcomes[index] == nil {
            do {
                let result = try answer(connection, statement.sql)
                defer { PQclear(result) }
                outcomes[index] = Result { try statement.consume(PostgresResult(result: result)) }
            } catch where !broken {
                // The statement's own error (a constraint, a bad value): its sync ends it, the others go on.
                outcomes[index] = .failure(error)
            }
            guard let sync = try nextResult(connection, statement.sql, deadline: deadline) else {
                broken = true
                throw lost(connection, statement.sql)
            }
            let status = PQresultStatus(sync)
            PQclear(sync)
            guard status == PGRES_PIPELINE_SYNC else {
                broken = true
                throw IdentityStorageError(.unavailable, "PostgreSQL answered a pipeline out of order (\(String(cString: PQresStatus(status))))")
            }
        }
        guard PQexitPipelineMode(connection) == 1 else {
            broken = true
            throw lost(connection, "leaving pipeline mode")
        }
        return outcomes.compactMap { $0 }
    }
}
