/// The data a harness's stores live in, as far as the suite's runs in this process share it.
///
/// ``ConformanceSuite/run(_:on:)`` runs a case that needs the database to itself
/// (``ConformanceCase/needsDatabaseToItself``) alone on its harness's database, and every other case side by side
/// with the rest: a parallel test target (`@Test(arguments: ConformanceSuite.cases)`) is then right without any
/// serialising of its own. Runs on different databases never wait for each other.
public struct ConformanceDatabase: Hashable, Sendable, CustomStringConvertible {
    enum Identity: Hashable, Sendable {
        case process
        case named(String)
        case ownedByTheCase
    }

    let identity: Identity

    /// Not known: every harness in this process that says so may be over one database, so a case that needs the
    /// database to itself waits for all of them. The default of every harness; always right, at worst slower.
    public static let sharedInThisProcess = ConformanceDatabase(identity: .process)

    /// The database of every harness that gives this name, and of no other (for example the test database's URL
    /// without its password): its cases and those of other harnesses in this process no longer wait for each other.
    /// Every harness in this process that reaches that database must give the same name.
    public static func named(_ name: String) -> ConformanceDatabase {
        ConformanceDatabase(identity: .named(name))
    }

    /// Data no other run shares (a fresh in-memory backend, a file or a key prefix of the case's own): the case
    /// runs at once, whatever it needs.
    public static let ownedByTheCase = ConformanceDatabase(identity: .ownedByTheCase)

    public var description: String {
        switch identity {
        case .process: "the database shared in this process"
        case .named(let name): "database \(name)"
        case .ownedByTheCase: "a database of the case's own"
        }
    }
}
