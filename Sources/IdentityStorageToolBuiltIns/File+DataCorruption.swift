import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageFile

/// The corrupted-data cases' damage on `file:` stores, as a hand edit would do it: a client's entry in the document
/// gets an enum value that does not exist; a key-ring element's file becomes empty. Grants live elsewhere.
extension FileIdentityStorage: StoredDataCorrupting {
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        switch corruption {
        case .clientRefreshTokenUsage(let clientId), .clientAccessTokenType(let clientId):
            guard let document = configurationFile else { throw notHeld(corruption) }
            try await document.update { raw in
                guard let item = raw.item(clientId, in: "clients") else {
                    throw IdentityStorageError(.notFound, "no client \(clientId) to damage")
                }
                let damaged = try corruption.damagingClientDocument(Array(try JSONSerialization.data(withJSONObject: item)))
                raw.upsert(try JSONSerialization.jsonObject(with: Data(damaged)) as! [String: Any], id: clientId, in: "clients")
                return ((), true)
            }
        case .keyRingElement(let id):
            guard let keys = keyDirectory else { throw notHeld(corruption) }
            try await keys.write { files in try FileSystem.replace(files.element(id, "xml"), with: []) }
        case .grant:
            throw notHeld(corruption)
        }
    }

    private func notHeld(_ corruption: StoredDataCorruption) -> IdentityStorageError {
        IdentityStorageError(.unsupported, "file:\(configuration.path) does not hold \(corruption.part)")
    }
}
