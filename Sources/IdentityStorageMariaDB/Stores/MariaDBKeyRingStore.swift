import IdentityStorage
import IdentityStorageSQL

/// The key ring as an AUTO_INCREMENT table: ids increase and are never reused (InnoDB persists the
/// counter since MariaDB 10.2.4). The conditional append locks the `key_ring` row of
/// `identity_storage_locks` first, so the "latest id" it compares cannot change before it inserts.
struct MariaDBKeyRingStore: KeyRingStore {
    let database: MariaDBDatabase

    static let deleteByIds = MariaDBSQL.deleteByKeys(table: "key_ring", key: "id", integer: true)

    func allElements() async throws -> [KeyRingElement] {
        do {
            return try await database.run { connection in
                try connection.query("SELECT id, friendly_name, xml FROM key_ring ORDER BY id") { row in
                    let xml = try row.text(2)
                    if xml.isEmpty { throw IdentityStorageError.corruptedData("key-ring element \(try row.int64(0)) is empty") }
                    return KeyRingElement(id: try row.int64(0), friendlyName: try row.optionalText(1), xml: xml)
                }
            }
        } catch let error as IdentityStorageError where error.code == .corruptedData {
            throw IdentityStorageError.corruptedData("\(error.message); refusing to return a partial key ring")
        }
    }

    @discardableResult
    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        // Under the same lock as the conditional append, so that one never misses an element stored meanwhile.
        let id = try await database.transaction { connection in
            try connection.lock("key_ring")
            return try connection.insert("INSERT INTO key_ring(friendly_name, xml) VALUES (?, ?)", [.optionalText(friendlyName), .text(xml)])
        }
        return KeyRingElement(id: id, friendlyName: friendlyName, xml: xml)
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        let id = try await database.transaction { connection -> Int64? in
            try connection.lock("key_ring")
            let latest = try connection.query("SELECT MAX(id) FROM key_ring") { row in try row.isNull(0) ? nil : row.int64(0) }.first ?? nil
            guard latest == expectedLatestId else { return nil }
            return try connection.insert("INSERT INTO key_ring(friendly_name, xml) VALUES (?, ?)", [.optionalText(friendlyName), .text(xml)])
        }
        return id.map { KeyRingElement(id: $0, friendlyName: friendlyName, xml: xml) }
    }

    @discardableResult
    func deleteElements(withIds ids: [Int64]) async throws -> Int {
        if ids.isEmpty { return 0 }
        let list = try StorageJSON.string(ids)
        return try await database.run { connection in
            try connection.run(Self.deleteByIds, [.text(list)])
        }
    }
}
