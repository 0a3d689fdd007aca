import Hummingbird
import IdentityStorage
import IdentityStorageHummingbird
import IdentityStorageMemory

// Hummingbird's key-value persistence on an IdentityStorage cache: a counter per name, on the memory backend.
// Run it and `curl -X POST localhost:8080/count/alice`.
let backend = try await MemoryDriver().open(try StoreURL(parsing: "memory:"), options: StoreOpenOptions())
let persist = IdentityStoragePersistDriver(cache: backend.makeStores(clock: nil).cache)
let router = Router()
router.post("count/:name") { _, context -> String in
    let name = try context.parameters.require("name")
    let count = (try await persist.get(key: name, as: Int.self) ?? 0) + 1
    try await persist.set(key: name, value: count, expires: .seconds(3600))
    return "\(name): \(count)\n"
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
try await app.runService()
