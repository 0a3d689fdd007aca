// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "IdentityStorage",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "IdentityStorage", targets: ["IdentityStorage"]),
        .library(name: "IdentityStorageMemory", targets: ["IdentityStorageMemory"]),
        .library(name: "IdentityStorageConformance", targets: ["IdentityStorageConformance"]),
    ],
    dependencies: [
        // SHA-256 for hashed handles (CIBA request ids); no other crypto is needed in the core.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "IdentityStorage",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "IdentityStorageMemory",
            dependencies: ["IdentityStorage"]
        ),
        .target(
            name: "IdentityStorageConformance",
            dependencies: ["IdentityStorage"],
            path: "Conformance"
        ),
        .testTarget(
            name: "MemoryTests",
            dependencies: ["IdentityStorage", "IdentityStorageMemory", "IdentityStorageConformance"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
