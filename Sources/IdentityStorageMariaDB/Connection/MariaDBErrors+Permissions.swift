import IdentityStorage

/// MariaDB's refusals of the account as `IdentityStorageError.Code.permissionDenied`, each with the
/// GRANT (or the check) that allows the call. The server's message names the user, host, privilege and table;
/// never a password.
extension MariaDBErrors {
    static let tableAccessDenied: UInt32 = 1142         // ER_TABLEACCESS_DENIED_ERROR
    static let columnAccessDenied: UInt32 = 1143        // ER_COLUMNACCESS_DENIED_ERROR
    static let specificAccessDenied: UInt32 = 1227      // ER_SPECIFIC_ACCESS_DENIED_ERROR
    static let routineAccessDenied: UInt32 = 1370       // ER_PROCACCESS_DENIED_ERROR
    static let accessDeniedNoPassword: UInt32 = 1698    // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    static let passwordExpired: UInt32 = 1862           // ER_MUST_CHANGE_PASSWORD_LOGIN
    static let mustChangePassword: UInt32 = 1820        // ER_MUST_CHANGE_PASSWORD
    static let accountLocked: UInt32 = 4151             // ER_ACCOUNT_HAS_BEEN_LOCKED

    /// Whether `number` is a refusal of the account (a missing privilege or refused credentials).
    static func isPermissionRefusal(_ number: UInt32) -> Bool {
        [tableAccessDenied, columnAccessDenied, specificAccessDenied, routineAccessDenied, databaseAccessDenied, accessDenied,
         accessDeniedNoPassword, passwordExpired, mustChangePassword, accountLocked].contains(number)
    }

    /// What to do about refusal `number`, from the server's `message`.
    static func permissionAdvice(_ number: UInt32, message: String?) -> String {
        let text = message ?? ""
        // The server names the account's user and the client's host, which need not be the account's host pattern.
        let (user, host) = Self.account(in: text) ?? ("?", "?")
        let account = "'\(user)' (connected from \(host))"
        let grantee = "'\(user)'@'<its host pattern, as SELECT CURRENT_USER() shows it>'"
        switch number {
        case tableAccessDenied, columnAccessDenied, routineAccessDenied:
            // "DELETE command denied to user 'app'@'localhost' for table `db`.`clients`"
            let privilege = text.range(of: " command denied").map { String(text[..<$0.lowerBound]) } ?? "the"
            let object = text.range(of: " for table ").map { String(text[$0.upperBound...]) }
                ?? text.range(of: " in table ").map { String(text[$0.upperBound...]) } ?? "the store's tables"
            return "MariaDB user \(account) lacks the \(privilege) privilege on \(object): GRANT \(privilege) ON \(object) TO \(grantee) "
                + "(the stores need SELECT, INSERT, UPDATE and DELETE on every table, migrations CREATE on the database; idstore doctor prints "
                + "the whole statement)"
        case databaseAccessDenied:
            let database = text.range(of: " to database ").map { String(text[$0.upperBound...]) } ?? "the store's database"
            return "MariaDB user \(account) has no privilege on database \(database): GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON "
                + "\(database.replacingOccurrences(of: "'", with: "`")).* TO \(grantee)"
        case specificAccessDenied:
            return "MariaDB refused an operation that needs a global privilege (\(text)): grant it to user '\(user)', or run it with an account that has it"
        case passwordExpired, mustChangePassword:
            return "the password of MariaDB user \(account) has expired: set a new one (ALTER USER … IDENTIFIED BY …) and put it in the store URL"
        case accountLocked:
            return "MariaDB user \(account) is locked: ALTER USER \(grantee) ACCOUNT UNLOCK"
        default:
            return "MariaDB refused user \(account): check the user name and password of the store URL, and that the user may connect from this host"
        }
    }

    /// The user and host of `user 'name'@'host'` in the server's message.
    private static func account(in message: String) -> (user: String, host: String)? {
        guard let start = message.range(of: "user '") else { return nil }
        let rest = message[start.upperBound...]
        guard let at = rest.range(of: "'@'"), let end = rest[at.upperBound...].firstIndex(of: "'") else { return nil }
        return (String(rest[..<at.lowerBound]), String(rest[at.upperBound..<end]))
    }
}
