import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory

/// The corrupted-data cases' damage in memory: the stored forms the memory stores decode on every read (a client's
/// JSON document, a grant's data bytes, a key-ring element's XML) are replaced, as a damaged database row would be.
extension MemoryIdentityStorage: StoredDataCorrupting {
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        switch corruption {
        case .clientRefreshTokenUsage(let clientId), .clientAccessTokenType(let clientId):
            guard let document = clients.storedDocument(ofClient: clientId) else {
                throw IdentityStorageError(.notFound, "no client \(clientId) to damage")
            }
            let damaged = try corruption.damagingClientDocument(Array(document.utf8))
            clients.overwriteStoredDocument(ofClient: clientId, with: String(decoding: damaged, as: UTF8.self))
        case .keyRingElement(let id):
            keyRing.overwriteStoredXML(ofElement: id, with: "")
        case .grant(let key):
            grants.overwriteStoredData(ofGrant: key, with: StoredDataCorruption.invalidUTF8)
        }
    }
}
