/// One finding of `idstore doctor`: a setting the adapter relies on, what was found, and whether it is right.
public struct Diagnosis: Sendable, Hashable, CustomStringConvertible {
    /// What was checked: `encoding`, `max_allowed_packet`, `maxmemory-policy`.
    public var check: String
    /// What the server or file says.
    public var found: String
    /// Why it is wrong and how to fix it; nil when it is right.
    public var fix: String?

    public init(_ check: String, found: String, fix: String? = nil) {
        self.check = check
        self.found = found
        self.fix = fix
    }

    /// Whether the setting is right.
    public var isRight: Bool { fix == nil }

    /// `ok  encoding: UTF8`, or `WRONG  encoding: LATIN1: <fix>`.
    public var description: String {
        fix.map { "WRONG \(check): \(found): \($0)" } ?? "ok    \(check): \(found)"
    }
}

/// A backend that can check the settings of its server (or file) that its stores rely on (`idstore doctor`). It
/// reports, it changes nothing.
public protocol StoreDiagnosing: IdentityStorageBackend {
    /// The server's version, the settings the adapter relies on, and the schema's status.
    func diagnose() async throws -> [Diagnosis]
}
