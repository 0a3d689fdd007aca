// swift-tools-version: 6.1
import PackageDescription

// An adapter written outside IdentityStorage, as its users write theirs: it depends on the package's public products
// only, and its tool links none of the built-in backends' C client libraries (libpq, libmariadb, hiredis, SQLite).
let package = Package(
    name: "AcmeAdapter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AcmeIdentityStorage", targets: ["AcmeIdentityStorage"]),
        .executable(name: "acme-idstore", targets: ["acme-idstore"]),
    ],
    dependencies: [
        // A real adapter names the package by URL and version; this one sits inside it.
        .package(name: "IdentityStorage", path: "../.."),
    ],
    targets: [
        .target(
            name: "AcmeIdentityStorage",
            dependencies: [
                .product(name: "IdentityStorage", package: "IdentityStorage"),
                // Acme keeps every store but its clients in memory: a real adapter talks to its database instead.
                .product(name: "IdentityStorageMemory", package: "IdentityStorage"),
            ]
        ),
        .executableTarget(
            name: "acme-idstore",
            dependencies: ["AcmeIdentityStorage", .product(name: "IdentityStorageTool", package: "IdentityStorage")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
