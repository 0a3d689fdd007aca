extension DeploymentURLs: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The store URL, then each part kept elsewhere, every password redacted:
    /// `postgres://app:***@db/idp keyMaterial=file:/etc/idp/keys`.
    ///
    /// The URLs come from flags, environment variables and configuration files; printing the value (a log line, an
    /// error, `dump`) must not show what they carry.
    public var description: String {
        let parts = DeploymentPart.allCases.compactMap { part in
            overrides[part].map { "\(part.rawValue)=\(StoreURL.redactedDescription(of: $0))" }
        }
        return ([StoreURL.redactedDescription(of: store)] + parts).joined(separator: " ")
    }

    /// The redacted description: `debugPrint` shows no password either.
    public var debugDescription: String { description }

    /// Reflection shows the redacted description only, so `dump` and debuggers never print a password.
    public var customMirror: Mirror { Mirror(self, children: ["urls": description], displayStyle: .struct) }
}
