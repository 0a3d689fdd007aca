import Foundation
import IdentityStorage

/// Damage to stored data that the suite's corrupted-data cases ask a backend to do behind its stores' back:
/// reads must then fail with `IdentityStorageError.Code.corruptedData` and leave everything
/// else readable.
///
/// Each damage is one a real database can suffer with the store's own account (a hand edit, a buggy writer,
/// a unit mistake in a migration script), so the cases need no privilege beyond the store's.
public enum StoredDataCorruption: Sendable, Hashable, Codable {
    /// The stored document of this client gets a refresh-token usage that does not exist (7).
    case clientRefreshTokenUsage(clientId: String)
    /// The stored document of this client gets an access-token type that does not exist (9).
    case clientAccessTokenType(clientId: String)
    /// This key-ring element's stored XML becomes empty (no store writes an empty element).
    case keyRingElement(id: Int64)
    /// This grant's stored row becomes unreadable, in a way the backend's storage can really hold: bytes that
    /// are not UTF-8 in its data where text can hold them, otherwise a creation time outside the instants a
    /// store writes (`IdentityStorageLimits.storedInstantMicroseconds`; PostgreSQL validates every text value).
    case grant(key: String)

    /// For the client damages: the stored client document `json` with the unknown enum value set.
    /// A backend that keeps clients as JSON documents applies the damage with it.
    public func damagingClientDocument(_ json: some Collection<UInt8>) throws -> [UInt8] {
        let (field, value): (String, Int)
        switch self {
        case .clientRefreshTokenUsage: (field, value) = ("refreshTokenUsage", 7)
        case .clientAccessTokenType: (field, value) = ("accessTokenType", 9)
        case .keyRingElement, .grant: throw IdentityStorageError.invalidArgument("\(self) is not a damage to a client document")
        }
        guard var object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw IdentityStorageError.corruptedData("the stored client document is not a JSON object")
        }
        object[field] = value
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// The part of a deployment the damaged data belongs to.
    public var part: DeploymentPart {
        switch self {
        case .clientRefreshTokenUsage, .clientAccessTokenType: .configuration
        case .keyRingElement: .keyMaterial
        case .grant: .operationalData
        }
    }

    /// The parts some damage belongs to.
    public static let parts: [DeploymentPart] = [.configuration, .keyMaterial, .operationalData]

    /// Bytes that are not UTF-8: `C3 28` (a two-byte lead followed by `(`).
    public static let invalidUTF8: [UInt8] = [0xC3, 0x28]
}

/// A backend's (or harness's) ability to damage its own stored data for the corrupted-data cases.
///
/// Backends adopt it in whatever module may carry it: the built-in ones do in `IdentityStorageTool`, so the
/// adapters users link carry no code that damages data. A backend without it has those cases skipped, with
/// the reason printed.
public protocol StoredDataCorrupting: Sendable {
    /// Applies `corruption` to the stored data, with the account the store itself uses.
    func corrupt(_ corruption: StoredDataCorruption) async throws
}
