/// Where a backend's schema stands: the migrations applied and the newest this library knows.
public struct SchemaStatus: Sendable, Hashable, CustomStringConvertible {
    /// The versions recorded as applied, ascending.
    public var applied: [Int]
    /// The newest version this library knows.
    public var latest: Int

    /// A status with the `applied` versions and the `latest` known one.
    public init(applied: [Int], latest: Int) {
        self.applied = applied
        self.latest = latest
    }

    /// The versions the next migration would apply.
    public var pending: [Int] {
        let current = applied.max() ?? 0
        return current < latest ? Array((current + 1)...latest) : []
    }

    /// `applied 1, 2; pending 3`.
    public var description: String {
        let applied = self.applied.isEmpty ? "none" : self.applied.map(String.init).joined(separator: ", ")
        let pending = self.pending.isEmpty ? "none" : self.pending.map(String.init).joined(separator: ", ")
        return "applied \(applied); pending \(pending)"
    }
}

/// A backend whose schema is versioned migrations, which a DBA may review and apply by hand (`idstore migrate
/// --status`, `--print-sql`). Open it with ``StoreOpenOptions/migrate`` false to look without changing anything.
public protocol SchemaMigrating: IdentityStorageBackend {
    /// The migrations applied and the newest known.
    func schemaStatus() async throws -> SchemaStatus

    /// The SQL that applies the pending migrations in the server's dialect, recording each version as `migrate`
    /// does, so that `open` accepts the result exactly as a schema it migrated itself. Empty when nothing is pending.
    func pendingMigrationSQL() async throws -> String
}

extension SchemaStatus {
    /// The schema's status as a doctor's finding: wrong while migrations are pending or the schema is newer.
    public static func diagnosis(_ status: SchemaStatus) -> Diagnosis {
        let current = status.applied.max() ?? 0
        if current > status.latest {
            return Diagnosis("schema", found: "version \(current)", fix: "this library knows versions up to \(status.latest): upgrade IdentityStorage")
        }
        return Diagnosis("schema", found: status.description, fix: status.pending.isEmpty ? nil
            : "apply the pending migrations: idstore migrate, or have a DBA apply idstore migrate --print-sql")
    }
}
