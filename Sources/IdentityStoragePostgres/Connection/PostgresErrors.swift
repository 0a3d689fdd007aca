import CLibPQ
import IdentityStorage

/// Maps a failed statement's SQLSTATE to `IdentityStorageError`, keeping the SQLSTATE and the
/// server's primary message in `IdentityStorageError.BackendDetail` (never the conninfo or a password:
/// server messages do not contain them, and connection errors are reported with the redacted address).
enum PostgresErrors {
    /// `account` names the role and schema in the grant a refused privilege needs.
    static func error(_ result: OpaquePointer, connectionLost: Bool, context: String, account: PostgresAccount? = nil) -> IdentityStorageError {
        let sqlstate = clibpq_result_sqlstate(result).map { String(cString: $0) }
        let message = clibpq_result_message(result).map { String(cString: $0) }
            ?? PQresultErrorMessage(result).map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
        return error(sqlstate: sqlstate, message: message, connectionLost: connectionLost, context: context, account: account)
    }

    static func error(sqlstate: String?, message: String?, connectionLost: Bool, context: String, account: PostgresAccount? = nil) -> IdentityStorageError {
        let detail = IdentityStorageError.BackendDetail(backend: "postgres", code: sqlstate, message: message)
        let state = sqlstate ?? ""
        let errorClass = state.prefix(2)
        if state == "42501" {
            return IdentityStorageError(.permissionDenied, "\(context): \((account ?? PostgresAccount()).missingPrivilege(message))", backendDetail: detail)
        }
        if connectionLost || errorClass == "08" || ["57P01", "57P02", "57P03", "57P04", "57P05"].contains(state) {
            return IdentityStorageError(.unavailable, "\(context): the connection to PostgreSQL was lost; the next call reconnects", backendDetail: detail)
        }
        switch state {
        case "23505":
            return IdentityStorageError(.duplicate, "\(context): an item with this key already exists", backendDetail: detail)
        case "57014":
            return IdentityStorageError(.timeout, "\(context): the statement ran past the query timeout and was cancelled", backendDetail: detail)
        case "55P03":
            return IdentityStorageError(.timeout, "\(context): a lock could not be obtained in time", backendDetail: detail)
        case "22021", "22P05":
            return IdentityStorageError(.invalidArgument, "\(context): a value is not valid text in the database's encoding", backendDetail: detail)
        case "54000", "54001", "22001", "22003":
            return IdentityStorageError(.tooLarge, "\(context): a value exceeds a PostgreSQL limit", backendDetail: detail)
        case "42P01", "42703", "42883", "42704", "3F000":
            return IdentityStorageError(.schemaMismatch, "\(context): the database schema is not the one this library expects (run the migrations)", backendDetail: detail)
        case "40001", "40P01":
            return IdentityStorageError(.unavailable, "\(context): the transaction was aborted by a concurrent one; retry", backendDetail: detail)
        default:
            break
        }
        switch errorClass {
        case "23":
            return IdentityStorageError(.invalidArgument, "\(context): a constraint was violated", backendDetail: detail)
        case "22":
            return IdentityStorageError(.invalidArgument, "\(context): a value was refused by PostgreSQL", backendDetail: detail)
        case "53":
            return IdentityStorageError(.unavailable, "\(context): the server is out of resources (connections, memory or disk); nothing was written", backendDetail: detail)
        case "28":
            return IdentityStorageError(.permissionDenied, "\(context): \((account ?? PostgresAccount()).refusedCredentials)", backendDetail: detail)
        case "42":
            return IdentityStorageError(.schemaMismatch, "\(context): PostgreSQL refused the statement (schema or permissions)", backendDetail: detail)
        case "25":
            return IdentityStorageError(.unavailable, "\(context): the transaction is in an unexpected state", backendDetail: detail)
        default:
            return IdentityStorageError(.unavailable, "\(context): PostgreSQL failed", backendDetail: detail)
        }
    }
}
