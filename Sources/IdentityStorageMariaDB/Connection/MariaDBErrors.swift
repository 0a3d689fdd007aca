import CMariaDB
import IdentityStorage

/// Maps libmariadb and server error numbers to `IdentityStorageError`, keeping the errno, SQLSTATE and
/// the server's message (which never contains a password) in the backend detail.
enum MariaDBErrors {
    // Server error numbers (mysqld_error.h) the adapter reacts to.
    static let duplicateEntry: UInt32 = 1062            // ER_DUP_ENTRY
    static let deadlock: UInt32 = 1213                  // ER_LOCK_DEADLOCK
    static let lockWaitTimeout: UInt32 = 1205           // ER_LOCK_WAIT_TIMEOUT
    static let needReprepare: UInt32 = 1615             // ER_NEED_REPREPARE
    static let dataTooLong: UInt32 = 1406               // ER_DATA_TOO_LONG
    static let packetTooLarge: UInt32 = 1153            // ER_NET_PACKET_TOO_LARGE
    static let connectionKilled: UInt32 = 1927          // ER_CONNECTION_KILLED
    static let serverShutdown: UInt32 = 1053            // ER_SERVER_SHUTDOWN
    static let queryInterrupted: UInt32 = 1317          // ER_QUERY_INTERRUPTED
    static let statementTimeout: UInt32 = 1969          // ER_STATEMENT_TIMEOUT
    static let tooManyConnections: UInt32 = 1040        // ER_CON_COUNT_ERROR
    static let accessDenied: UInt32 = 1045              // ER_ACCESS_DENIED_ERROR
    static let databaseAccessDenied: UInt32 = 1044      // ER_DBACCESS_DENIED_ERROR
    static let unknownDatabase: UInt32 = 1049           // ER_BAD_DB_ERROR
    static let noSuchTable: UInt32 = 1146               // ER_NO_SUCH_TABLE
    static let badField: UInt32 = 1054                  // ER_BAD_FIELD_ERROR
    static let incorrectString: UInt32 = 1366           // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    static let notNull: UInt32 = 1048                   // ER_BAD_NULL_ERROR
    static let outOfRange: UInt32 = 1264                // ER_WARN_DATA_OUT_OF_RANGE
    static let foreignKeyParent: UInt32 = 1452          // ER_NO_REFERENCED_ROW_2
    static let clientInteractionTimeout: UInt32 = 4031  // ER_CLIENT_INTERACTION_TIMEOUT

    static let closed = IdentityStorageError(.unavailable, "the MariaDB store has been closed")

    /// Whether `errno` means the connection can no longer be used (client-side errors 2000-2999:
    /// server gone, connection lost, out of sync; or the server ended the session).
    static func breaksConnection(_ number: UInt32) -> Bool {
        (2000..<3000).contains(number) || number == connectionKilled || number == serverShutdown
            || number == packetTooLarge || number == clientInteractionTimeout
    }

    static func connectionError(_ mysql: UnsafeMutablePointer<MYSQL>, _ context: String) -> IdentityStorageError {
        error(mysql_errno(mysql), message: mysql_error(mysql).map { String(cString: $0) },
              sqlState: mysql_sqlstate(mysql).map { String(cString: $0) }, context)
    }

    static func statementError(_ statement: UnsafeMutablePointer<MYSQL_STMT>, _ context: String) -> IdentityStorageError {
        error(mysql_stmt_errno(statement), message: mysql_stmt_error(statement).map { String(cString: $0) },
              sqlState: mysql_stmt_sqlstate(statement).map { String(cString: $0) }, context)
    }

    static func error(_ number: UInt32, message: String?, sqlState: String?, _ context: String) -> IdentityStorageError {
        var code = "\(number)"
        if let sqlState, !sqlState.isEmpty, sqlState != "00000" { code += " (\(sqlState))" }
        let detail = IdentityStorageError.BackendDetail(backend: "mariadb", code: code, message: message)
        func make(_ kind: IdentityStorageError.Code, _ text: String) -> IdentityStorageError {
            IdentityStorageError(kind, "\(context): \(text)", backendDetail: detail)
        }
        if isPermissionRefusal(number) { return make(.permissionDenied, permissionAdvice(number, message: message)) }
        switch number {
        case duplicateEntry:
            return make(.duplicate, "an item with this key already exists")
        case deadlock:
            return make(.timeout, "the transaction kept deadlocking with concurrent writers; nothing was written")
        case lockWaitTimeout:
            return make(.timeout, "a row stayed locked by another transaction past innodb_lock_wait_timeout; nothing was written")
        case statementTimeout:
            return make(.timeout, "the statement ran past max_statement_time")
        case dataTooLong:
            return make(.tooLarge, "a value is longer than its column allows; nothing was written")
        case packetTooLarge:
            return make(.tooLarge, "the statement is larger than the server's max_allowed_packet; nothing was written")
        case incorrectString, notNull, outOfRange, foreignKeyParent:
            return make(.invalidArgument, "the server rejected a value")
        case noSuchTable, badField:
            return make(.schemaMismatch, "the schema is not the one this library expects")
        case unknownDatabase:
            return make(.unavailable, "the database does not exist")
        case tooManyConnections:
            return make(.unavailable, "the server has no free connection slot")
        case connectionKilled, serverShutdown, queryInterrupted, clientInteractionTimeout:
            return make(.unavailable, "the server ended the connection or the statement; the call's outcome is unknown")
        case 2000..<3000:
            return make(.unavailable, "the connection to the server failed")
        default:
            return make(.unavailable, "MariaDB failed")
        }
    }

    /// The start of a statement, for messages.
    static func excerpt(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isNewline).map { $0.drop(while: { $0 == " " || $0 == "\t" }) }.joined(separator: " ")
        return flat.count > 80 ? String(flat.prefix(80)) + "…" : flat
    }
}
