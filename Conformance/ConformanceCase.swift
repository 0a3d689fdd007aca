import IdentityStorage

/// One named check of the store contracts, run against a live backend.
public struct ConformanceCase: Sendable, Identifiable, CustomStringConvertible {
    /// Stable dotted name, `store.operation.behaviour` (for example `grants.take.race`).
    public let name: String
    /// Capabilities the backend must declare; otherwise the case is skipped with ``skipReason``.
    public let requirements: StoreCapabilities
    /// Why the case needs ``requirements``, printed when it is skipped.
    public let skipReason: String?
    /// Whether the case damages stored data (``ConformanceContext/corrupt(_:)``): it is skipped, with the reason,
    /// on a harness without a ``StoredDataCorrupting`` corrupter.
    public let damagesStoredData: Bool
    let body: @Sendable (ConformanceContext) async throws -> Void

    /// A case. `body` throws ``ConformanceFailure`` (through the `expect` helpers) or any error to fail.
    public init(_ name: String, requires requirements: StoreCapabilities = [], because skipReason: String? = nil,
                damagesStoredData: Bool = false, _ body: @escaping @Sendable (ConformanceContext) async throws -> Void) {
        self.name = name
        self.requirements = requirements
        self.skipReason = skipReason
        self.damagesStoredData = damagesStoredData
        self.body = body
    }

    public var id: String { name }
    public var description: String { name }

    /// Whether the case must not run at the same moment as other cases on one shared database.
    /// ``ConformanceSuite/run(_:on:)`` runs these alone on their harness's ``ConformanceHarness/database`` (a harness
    /// may instead give them a database of their own, ``ConformanceDatabase/ownedByTheCase``); run one after
    /// another, as `idstore check` does, every case can share one database.
    /// - housekeeping (cleanup, claiming expired sessions): their isolated 1995 epochs are random minutes that can
    ///   overlap, so one case's drain removes another running case's rows, and far-past rows of unrelated cases
    ///   (`grants.store.far-past-dates` writes a grant that expired in 1900);
    /// - corrupted clients: listing clients in another case reads every client and fails on the damaged one.
    public var needsDatabaseToItself: Bool {
        Self.exclusivePrefixes.contains { name.hasPrefix($0) } || name.contains(".claim-expired")
            || name == "grants.store.far-past-dates"
    }

    private static let exclusivePrefixes = ["cleanup.", "clients.corrupted.", "clients.list."]

    /// State of the store that every case not namespaced by its key prefix shares, and that a case needs to itself.
    public enum SharedState: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The key ring and the signing keys' creation times: ring cases compare the whole ring, conditional
        /// signing-key cases decide on every key.
        case keyMaterial = "key-material"
        /// Expired rows: cleanup cases drain everything expired before their private epoch.
        case housekeeping
        /// The list of all clients: list cases walk it, and a damaged client breaks every walk.
        case clientList = "client-list"

        public var description: String { rawValue }
    }

    /// The shared state this case needs to itself, if any. Concurrent `idstore check` runs on one store take a lease
    /// on it; run one after another, every case can share one database.
    public var sharedState: SharedState? {
        if name.hasPrefix("key-ring.") || name.hasPrefix("signing-keys.conditional.") { return .keyMaterial }
        if name.hasPrefix("clients.list.") || name.hasPrefix("clients.corrupted.") { return .clientList }
        if name.hasPrefix("cleanup.") || name.contains(".claim-expired") || name == "grants.store.far-past-dates" { return .housekeeping }
        return nil
    }
}

/// What a case failed on.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as the case states it.
    public var message: String
    /// The file of the check that failed (`#fileID`).
    public var file: String
    /// The line of the check that failed.
    public var line: Int

    /// A failure with its message, at the caller's file and line.
    public init(_ message: String, file: String = #fileID, line: Int = #line) {
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "\(message) (\(file):\(line))" }
}

/// How one case ended.
public enum ConformanceOutcome: Sendable, CustomStringConvertible {
    /// Every check held; the case took this long.
    case passed(Duration)
    /// A check did not hold: its message, and how long the case ran.
    case failed(String, Duration)
    /// The case did not run on this backend: the reason (a capability it lacks, or an ability the harness does not
    /// have).
    case skipped(String)

    public var description: String {
        switch self {
        case .passed: return "passed"
        case .failed(let message, _): return "failed: \(message)"
        case .skipped(let reason): return "skipped: \(reason)"
        }
    }

    /// True for ``passed(_:)``.
    public var isPassed: Bool {
        if case .passed = self { return true }
        return false
    }
}
