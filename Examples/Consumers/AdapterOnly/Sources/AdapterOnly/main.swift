import IdentityStorage
import IdentityStoragePostgres

// Opens the deployment named on the command line and reads one client: enough to link the adapter for real.
let url = CommandLine.arguments.dropFirst().first ?? "postgres://idstore@127.0.0.1:5432/idstore"
let backend = try await PostgresDriver().open(try StoreURL(parsing: url), options: StoreOpenOptions())
let stores = backend.makeStores(clock: nil)
print(try await stores.clients.client(withId: "example") == nil ? "no client 'example'" : "client 'example' found")
await backend.close()
