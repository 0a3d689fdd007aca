// swift-tools-version: 6.1
import PackageDescription

// A server that links one adapter and nothing else: CI checks that its Package.resolved holds no web framework
// (Scripts/check-examples.sh).
let package = Package(
    name: "AdapterOnly",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "IdentityStorage", path: "../../.."),
    ],
    targets: [
        .executableTarget(
            name: "AdapterOnly",
            dependencies: [.product(name: "IdentityStoragePostgres", package: "IdentityStorage")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
