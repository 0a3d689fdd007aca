// For conformance testing only: adapters expose a test hook that applies these, so the suite can
// check that damaged rows give `corruptedData` without losing anything else.

/// A deliberate corruption of stored data; used by the conformance suite's corrupted-data cases through each adapter's test hook.
public enum StoredDataCorruption: Sendable, Hashable {
    /// Sets the stored refresh-token-usage of this client to an enum value that does not exist (7).
    case clientRefreshTokenUsage(clientId: String)
    /// Sets the stored access-token type of this client to an enum value that does not exist (9).
    case clientAccessTokenType(clientId: String)
    /// Makes the stored XML of this key-ring element unreadable (invalid UTF-8 or empty, as the backend allows).
    case keyRingElement(id: Int64)
    /// Replaces the stored data of this grant with bytes that are not valid UTF-8.
    case grantData(key: String)
}

