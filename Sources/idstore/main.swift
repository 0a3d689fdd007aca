import IdentityStorageOpener
import IdentityStorageTool

// `idstore` is the tool library with the built-in drivers; an adapter outside this package makes its own the same way.
await IdentityStorageTool.main(drivers: .builtIn)
