import AcmeIdentityStorage
import IdentityStorageMemory
import IdentityStorageTool

// `migrate`, `check`, `cleanup`, `import`, `export`, `keys` and `bench` for `acme:` (and `memory:`) URLs.
await IdentityStorageTool.main(drivers: [AcmeDriver(), MemoryDriver()])
