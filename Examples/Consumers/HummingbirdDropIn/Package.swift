// swift-tools-version: 6.1
import PackageDescription

// A Hummingbird server that opts into the drop-in with the package's `Hummingbird` trait: CI builds it
// (Scripts/check-examples.sh).
let package = Package(
    name: "HummingbirdDropIn",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "IdentityStorage", path: "../../..", traits: ["Hummingbird"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdDropIn",
            dependencies: [
                .product(name: "IdentityStorageHummingbird", package: "IdentityStorage"),
                .product(name: "IdentityStorageMemory", package: "IdentityStorage"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
