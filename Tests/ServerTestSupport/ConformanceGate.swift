import IdentityStorageConformance

/// The conformance suite's database on a test server, shared by the suite's cases that run in parallel: the cases that
/// need the database to themselves (``ConformanceCase/needsDatabaseToItself``) hold it exclusively, the others shared.
///
/// It is not the server's gate: a case that needs the conformance database alone keeps only the other conformance
/// cases out of it, while every other test on the server (in databases of its own) goes on. Holding the server's gate
/// exclusively for those cases once stalled every PostgreSQL and MariaDB test behind each of them, past their time
/// limits on a loaded machine.
public enum ConformanceGate {
    /// The PostgreSQL suite's database.
    public static let postgres = ServerGate("postgres conformance database")
    /// The MariaDB suite's database.
    public static let mariadb = ServerGate("mariadb conformance database")

    /// Runs `testCase` through `run` holding `database` as the case needs it, and `server`'s gate shared (fault tests
    /// restart the server). The database's gate comes first, always, so no holder of one waits for the other.
    public static func run<T: Sendable>(_ testCase: ConformanceCase, database: ServerGate, server: ServerGate,
                                        _ run: () async -> T) async -> T {
        if testCase.needsDatabaseToItself {
            return await database.exclusive(holder: testCase.name) { await server.shared(holder: testCase.name, run) }
        }
        return await database.shared(holder: testCase.name) { await server.shared(holder: testCase.name, run) }
    }
}
