import IdentityStorage
import IdentityStorageSQL

/// The key ring as an AUTOINCREMENT table: ids increase and are never reused.
struct SQLiteKeyRingStore: KeyRingStore {
    let database: SQLiteDatabase

    func allElements() async throws -> [KeyRingElement] {
        do {
            return try await database.read { connection in
                try connection.query("SELECT id, friendly_name, xml FROM key_ring ORDER BY id") { row in
                    let xml = try row.text(2)
                    if xml.isEmpty { throw IdentityStorageError.corruptedData("key-ring element \(row.int64(0)) is empty") }
                    return KeyRingElement(id: row.int64(0), friendlyName: try row.optionalText(1), xml: xml)
                }
            }
        } catch let error as IdentityStorageError where error.code == .corruptedData {
            throw IdentityStorageError.corruptedData("\(error.message); refusing to return a partial key ring")
        }
    }

    @discardableResult
    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        let id = try await database.write { connection in
            try connection.query("INSERT INTO key_ring(friendly_name, xml) VALUES (?, ?) RETURNING id",
                                 [.optionalText(friendlyName), .text(xml)]) { $0.int64(0) }.first!
        }
        return KeyRingElement(id: id, friendlyName: friendlyName, xml: xml)
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        let id = try await database.write { connection in
            try connection.query("""
                INSERT INTO key_ring(friendly_name, xml) SELECT ?, ? WHERE (SELECT max(id) FROM key_ring) IS ? RETURNING id
                """, [.optionalText(friendlyName), .text(xml), expectedLatestId.map(SQLValue.integer) ?? .null]) { $0.int64(0) }.first
        }
        return id.map { KeyRingElement(id: $0, friendlyName: friendlyName, xml: xml) }
    }

    @discardableResult
    func deleteElements(withIds ids: [Int64]) async throws -> Int {
        if ids.isEmpty { return 0 }
        let list = try StorageJSON.string(ids)
        return try await database.write { connection in
            try connection.run("DELETE FROM key_ring WHERE id IN (SELECT value FROM json_each(?))", [.text(list)])
        }
    }
}
