/// An opened backend: hands out its stores, reports its schema version, closes its connections.
///
/// What ``IdentityStorageDriver/open(_:options:)`` returns. Each built-in adapter's storage type is one
/// (`SQLiteIdentityStorage`, `PostgresIdentityStorage`, …). Optional abilities, such as the raw baseline of
/// `idstore bench` or the data damage of the conformance suite's corrupted-data cases, are further protocols
/// a backend may adopt; tools find them at run time with `as?`.
public protocol IdentityStorageBackend: Sendable {
    /// Every store over this backend's data. `clock` overrides the clock given at open (the conformance
    /// suite passes a manual one per case); stores made by several calls share the same data.
    func makeStores(clock: (any WallClock)?) -> IdentityStores

    /// The schema version in force after opening, or nil for a backend that has none.
    func schemaVersion() async throws -> Int?

    /// Finishes queued work and closes every connection; the stores must not be used afterwards.
    func close() async
}

