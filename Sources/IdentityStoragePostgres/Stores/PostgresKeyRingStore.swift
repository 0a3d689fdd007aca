import IdentityStorage
import IdentityStorageSQL

/// The key ring, ids from an identity column (increasing, never reused). Both kinds of append run
/// under the schema's `key-ring` advisory lock, so ids are handed out in commit order and the
/// conditional append ("only if the newest id is still N") has exactly one winner.
struct PostgresKeyRingStore: KeyRingStore {
    let database: PostgresDatabase

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
        let id = try await database.locked("key-ring") { connection in
            try connection.query("INSERT INTO key_ring(friendly_name, xml) VALUES ($1, $2) RETURNING id",
                                 [.optionalText(friendlyName), .text(xml)]) { try $0.int64(0) }.first!
        }
        return KeyRingElement(id: id, friendlyName: friendlyName, xml: xml)
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        let id = try await database.locked("key-ring") { connection in
            try connection.query("""
                INSERT INTO key_ring(friendly_name, xml) SELECT $1::text, $2::text
                WHERE (SELECT max(id) FROM key_ring) IS NOT DISTINCT FROM $3::bigint RETURNING id
                """, [.optionalText(friendlyName), .text(xml), expectedLatestId.map(SQLValue.integer) ?? .null]) { try $0.int64(0) }.first
        }
        return id.map { KeyRingElement(id: $0, friendlyName: friendlyName, xml: xml) }
    }

    @discardableResult
    func deleteElements(withIds ids: [Int64]) async throws -> Int {
        if ids.isEmpty { return 0 }
        let list = try StorageJSON.string(ids)
        return try await database.run { connection in
            try connection.run("DELETE FROM key_ring WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint))", [.text(list)])
        }
    }
}
