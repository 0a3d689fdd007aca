import IdentityStorage

/// The role, database and schema a store works as, so that a refusal (SQLSTATE 42501, class 28) names the grant
/// that allows it. Never holds the password.
struct PostgresAccount: Sendable {
    var role: String?
    var database: String?
    var schema = "public"

    init() {}

    init(_ settings: PostgresConnectionSettings) {
        role = settings.keywords.last { $0.0 == "user" }?.1
        database = settings.keywords.last { $0.0 == "dbname" }?.1
        schema = settings.schema
    }

    /// The role as SQL names it in a GRANT (quoted unless it is a plain lower-case identifier).
    private var grantee: String {
        guard let role else { return "<role>" }
        let plain = !role.isEmpty && role.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") } && !role.first!.isNumber
        return plain ? role : "\"" + role.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// What the server refused (`permission denied for table clients`, its English text) and the GRANT that allows it.
    func missingPrivilege(_ serverMessage: String?) -> String {
        var grant = "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schema) TO \(grantee) and GRANT USAGE ON SCHEMA \(schema) TO \(grantee)"
        if let serverMessage, let range = serverMessage.range(of: "permission denied for ") {
            let words = serverMessage[range.upperBound...].split(separator: " ", maxSplits: 1).map(String.init)
            let object = words.count == 2 ? words[1] : ""
            switch words.first {
            case "table", "relation":
                grant = "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE \(schema).\(object) TO \(grantee)"
            case "schema":
                grant = "GRANT USAGE ON SCHEMA \(object) TO \(grantee) (and CREATE ON SCHEMA \(object), for migrations)"
            case "database":
                grant = "GRANT CREATE ON DATABASE \(object) TO \(grantee) (migrations create the schema \(schema)), or create the schema for it"
            case "sequence":
                grant = "GRANT USAGE, SELECT ON SEQUENCE \(schema).\(object) TO \(grantee)"
            case "function":
                grant = "GRANT EXECUTE ON FUNCTION \(object) TO \(grantee)"
            default:
                break
            }
        }
        return "PostgreSQL role '\(role ?? "?")' lacks a privilege the store needs: \(grant); idstore doctor lists every missing privilege"
    }

    /// Why the server refused the account, and where to look.
    var refusedCredentials: String {
        "PostgreSQL refused role '\(role ?? "?")'\(database.map { " on database '\($0)'" } ?? ""): check the user name and password of the "
            + "store URL, the role's LOGIN attribute, CONNECT on the database and pg_hba.conf"
    }

    /// Whether libpq's message for a failed connection says the server refused the account rather than could not be
    /// reached. libpq gives no SQLSTATE there: these are PostgreSQL's English messages (a server with other
    /// `lc_messages` gets `unavailable`).
    static func refusesAccount(_ message: String) -> Bool {
        ["authentication failed", "no pg_hba.conf entry", "permission denied for database", "is not permitted to log in"].contains { message.contains($0) }
            || (message.contains("role \"") && message.contains("does not exist"))
    }
}
