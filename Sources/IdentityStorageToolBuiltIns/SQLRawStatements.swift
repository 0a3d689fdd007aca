import Foundation
import IdentityStorage
import IdentityStorageSQL
import IdentityStorageTool

extension SQLPersistedGrantStore.Statements {
    /// The statement the grant store runs for `operation` on `key`, and its parameters (`now`: the consume
    /// instant and the grants' creation time). Consume without `UPDATE … RETURNING` is this update, then
    /// ``consumedRow`` in one transaction.
    func raw(_ operation: RawGrantOperation, key: String, now: Date) -> (sql: String, bindings: [SQLValue]) {
        switch operation {
        case .get: (get, [.text(key)])
        case .take: (take, [.text(key)])
        case .consume: (consume, [.date(now), .text(key)])
        case .upsert:
            (upsert, SQLTables.Grants.values(PersistedGrant(key: key, type: "refresh_token", subjectId: "bench", clientId: "bench",
                                                           creationTime: now, expiration: now.addingTimeInterval(3600), data: "raw")))
        }
    }
}
