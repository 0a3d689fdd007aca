/// One finding of `idstore doctor`: a setting the adapter relies on, what was found, and whether it is right, risky
/// (a warning) or wrong.
public struct Diagnosis: Sendable, Hashable, CustomStringConvertible {
    /// How much a finding matters.
    public enum Severity: Sendable, Hashable {
        /// Right.
        case ok
        /// Works, but risks data: a setting that loses acknowledged writes on a crash, or one doctor could not read.
        /// `idstore doctor --strict` fails on it.
        case warning
        /// Wrong: the stores fail or misbehave until it is fixed. `idstore doctor` fails on it.
        case wrong
    }

    /// What was checked: `encoding`, `max_allowed_packet`, `maxmemory-policy`.
    public var check: String
    /// What the server or file says.
    public var found: String
    /// Why it is wrong or risky and how to fix it; nil when it is right.
    public var fix: String?
    /// Whether it is right, risky or wrong.
    public var severity: Severity
    /// The parts of a deployment whose data the finding is about; nil for every part. A warning or a wrong setting
    /// that concerns only parts a store does not hold is right for that store (see ``forStore(holding:)``).
    public var concerns: Set<DeploymentPart>?

    /// A finding: wrong when there is a `fix`, else right.
    public init(_ check: String, found: String, fix: String? = nil, concerns: Set<DeploymentPart>? = nil) {
        self.check = check
        self.found = found
        self.fix = fix
        self.severity = fix == nil ? .ok : .wrong
        self.concerns = concerns
    }

    /// A risky setting: `advice` says what it risks and which setting avoids it.
    public static func warning(_ check: String, found: String, advice: String, concerns: Set<DeploymentPart>? = nil) -> Diagnosis {
        var diagnosis = Diagnosis(check, found: found, fix: advice, concerns: concerns)
        diagnosis.severity = .warning
        return diagnosis
    }

    /// The parts whose loss on a crash is not by design: everything but the distributed cache.
    public static let durableParts: Set<DeploymentPart> = [.configuration, .keyMaterial, .operationalData]

    /// Whether the setting is not wrong (right, or only a warning).
    public var isRight: Bool { severity != .wrong }

    /// Whether the setting is risky.
    public var isWarning: Bool { severity == .warning }

    /// The finding for a store that holds `parts`: a warning or a wrong setting that concerns none of them is right,
    /// its advice kept in the text.
    public func forStore(holding parts: Set<DeploymentPart>) -> Diagnosis {
        guard severity != .ok, let concerns, concerns.isDisjoint(with: parts) else { return self }
        return Diagnosis(check, found: "\(found) (matters for \(concerns.names), which this store does not hold)")
    }

    /// `ok    encoding: UTF8`, `WARN  appendonly: no: <advice>`, or `WRONG encoding: LATIN1: <fix>`.
    public var description: String {
        switch severity {
        case .ok: "ok    \(check): \(found)"
        case .warning: "WARN  \(check): \(found): \(fix ?? "")"
        case .wrong: "WRONG \(check): \(found): \(fix ?? "")"
        }
    }
}

/// A backend that can check the settings of its server (or file) that its stores rely on (`idstore doctor`). It
/// reports, it changes nothing.
public protocol StoreDiagnosing: IdentityStorageBackend {
    /// The server's version, the settings the adapter relies on, the account's privileges, and the schema's status.
    func diagnose() async throws -> [Diagnosis]
}
