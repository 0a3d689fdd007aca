import CSQLite3
import Foundation
import IdentityStorage

/// Maps SQLite result codes to `IdentityStorageError`, keeping the extended code and SQLite's message.
enum SQLiteErrors {
    // Extended result codes are C macros built from expressions, which Swift does not import.
    static let constraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)
    static let constraintUnique: Int32 = SQLITE_CONSTRAINT | (8 << 8)
    /// The file was moved or removed while open: not a permission.
    static let readOnlyDatabaseMoved: Int32 = SQLITE_READONLY | (4 << 8)

    static let closed = IdentityStorageError(.unavailable, "the SQLite store has been closed")

    static func error(_ code: Int32, _ handle: OpaquePointer?, _ context: String) -> IdentityStorageError {
        let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        let detail = IdentityStorageError.BackendDetail(backend: "sqlite", code: "\(code)", message: message)
        let primary = code & 0xFF
        switch primary {
        case SQLITE_CONSTRAINT:
            if code == constraintPrimaryKey || code == constraintUnique {
                return IdentityStorageError(.duplicate, "\(context): an item with this key already exists", backendDetail: detail)
            }
            return IdentityStorageError(.invalidArgument, "\(context): a constraint was violated", backendDetail: detail)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return IdentityStorageError(.timeout, "\(context): the database stayed locked by another writer past the busy timeout", backendDetail: detail)
        case SQLITE_FULL:
            return IdentityStorageError(.unavailable, "\(context): the database or disk is full; nothing was written", backendDetail: detail)
        case SQLITE_READONLY where code != readOnlyDatabaseMoved, SQLITE_PERM, SQLITE_AUTH:
            return IdentityStorageError(.permissionDenied, "\(context): \(notWritable(handle)); nothing was written", backendDetail: detail)
        case SQLITE_CANTOPEN where [EACCES, EPERM, EROFS].contains(handle.map(sqlite3_system_errno) ?? 0):
            return IdentityStorageError(.permissionDenied, "\(context): \(notWritable(handle))", backendDetail: detail)
        case SQLITE_READONLY:
            return IdentityStorageError(.unavailable, "\(context): the database is read-only; nothing was written", backendDetail: detail)
        case SQLITE_CANTOPEN:
            return IdentityStorageError(.unavailable, "\(context): the database file cannot be opened", backendDetail: detail)
        case SQLITE_IOERR:
            return IdentityStorageError(.unavailable, "\(context): disk I/O error", backendDetail: detail)
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return IdentityStorageError(.corruptedData, "\(context): the database file is damaged or not an SQLite database", backendDetail: detail)
        case SQLITE_TOOBIG:
            return IdentityStorageError(.tooLarge, "\(context): a value exceeds SQLite's size limit", backendDetail: detail)
        default:
            return IdentityStorageError(.unavailable, "\(context): SQLite failed", backendDetail: detail)
        }
    }

    /// What to grant when the process may not write the database: the file, its `-wal` and `-shm` files and their
    /// directory (SQLite creates and removes files there).
    private static func notWritable(_ handle: OpaquePointer?) -> String {
        let path = handle.flatMap { sqlite3_db_filename($0, "main") }.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let file = path.map { "'\($0)'" } ?? "the database file"
        return "this process may not write \(file) or its directory: give its user write access to the file, its -wal and -shm files "
            + "and the directory (a read-only file system must be mounted read-write)"
    }
}
