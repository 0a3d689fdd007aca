// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "IdentityStorage",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "IdentityStorage", targets: ["IdentityStorage"]),
        .library(name: "IdentityStorageMemory", targets: ["IdentityStorageMemory"]),
        .library(name: "IdentityStorageSQLite", targets: ["IdentityStorageSQLite"]),
        .library(name: "IdentityStoragePostgres", targets: ["IdentityStoragePostgres"]),
        .library(name: "IdentityStorageMariaDB", targets: ["IdentityStorageMariaDB"]),
        .library(name: "IdentityStorageRedis", targets: ["IdentityStorageRedis"]),
        .library(name: "IdentityStorageFile", targets: ["IdentityStorageFile"]),
        .library(name: "IdentityStorageConformance", targets: ["IdentityStorageConformance"]),
        .library(name: "IdentityStorageOpener", targets: ["IdentityStorageOpener"]),
        .library(name: "IdentityStorageTool", targets: ["IdentityStorageTool"]),
        // Key material that manages itself: signing-key rotation and a data protector over any deployment's key stores.
        .library(name: "IdentityStorageKeys", targets: ["IdentityStorageKeys"]),
        // The SQL kit: the dialect, the database protocol, every SQL store and the blocking connection pool, for an
        // adapter to another SQL engine. Underscored (as postgres-nio's `_ConnectionPoolModule`): its API may change in a minor release.
        .library(name: "_IdentityStorageSQLKit", targets: ["IdentityStorageSQL", "IdentityStorageBlockingPool"]),
        // A deployment read from apple/swift-configuration (environment variables, JSON or YAML files).
        .library(name: "IdentityStorageConfigReader", targets: ["IdentityStorageConfigReader"]),
        .executable(name: "idstore", targets: ["idstore"]),
        // Framework drop-ins: only these two products link a web framework; an adapter's user never compiles one.
        .library(name: "IdentityStorageHummingbird", targets: ["IdentityStorageHummingbird"]),
        .library(name: "IdentityStorageVapor", targets: ["IdentityStorageVapor"]),
    ],
    // The web frameworks are opt-in: a package that links only adapters never resolves Hummingbird, Vapor or their
    // dependencies. `.package(url: …, traits: ["Hummingbird"])` builds the Hummingbird drop-in; the README's test
    // command enables every trait.
    traits: [
        .trait(name: "Hummingbird", description: "The Hummingbird 2 drop-in, IdentityStorageHummingbird (hummingbird, hummingbird-auth)."),
        .trait(name: "Vapor", description: "The Vapor 4 drop-in, IdentityStorageVapor (vapor)."),
        .trait(name: "ExampleServer", description: "The example authorization server and its tests (Hummingbird).",
               enabledTraits: ["Hummingbird"]),
        .default(enabledTraits: []),
    ],
    dependencies: [
        // SHA-256 for hashed handles (CIBA request ids); no other crypto is needed in the core.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // HdrHistogram for the latency percentiles of `idstore bench`.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // Observability (issue 12): small API packages with no-op defaults; their test kits are used by the tests only.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Framework drop-ins (IdentityStorageHummingbird, IdentityStorageVapor) and the example server only.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        // NIOConcurrencyHelpers: the blocking pool's pthread lock (Synchronization's Mutex is a priority-inheritance
        // futex on Linux, slow under contention); NIOCore: the Vapor drop-in's event-loop futures.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Hummingbird's session middleware, for the drop-in's session tests only.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // `swift package generate-documentation` (Scripts/build-docs.sh): the DocC catalogues, built in CI.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // IdentityStorageConfigReader: JSON is swift-configuration's default trait; YAML brings jpsim/Yams.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["JSON", "YAML"]),
        // Tests only: starts the processes the tests run. Foundation's `Process.run()` of Swift 6.3.1 reads past a
        // `/proc/self/fd` entry and crashes the test process now and then (swift-corelibs-foundation #5472).
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        .target(
            name: "IdentityStorage",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "IdentityStorageMemory",
            dependencies: ["IdentityStorage"]
        ),
        .systemLibrary(
            name: "CSQLite3",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "IdentityStorageBlockingPool",
            dependencies: ["IdentityStorage", .product(name: "DequeModule", package: "swift-collections"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        .target(
            name: "IdentityStorageSQL",
            dependencies: ["IdentityStorage", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "IdentityStorageSQLite",
            dependencies: ["IdentityStorage", "IdentityStorageBlockingPool", "IdentityStorageSQL", "CSQLite3",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(
            name: "IdentityStoragePostgres",
            dependencies: ["IdentityStorage", "IdentityStorageBlockingPool", "IdentityStorageSQL", "CLibPQ",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .target(
            name: "IdentityStorageMariaDB",
            dependencies: ["IdentityStorage", "IdentityStorageBlockingPool", "IdentityStorageSQL", "CMariaDB",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(
            name: "IdentityStorageRedis",
            dependencies: ["IdentityStorage", "IdentityStorageBlockingPool", "CHiredis", .product(name: "Logging", package: "swift-log"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "IdentityStorageFile",
            dependencies: ["IdentityStorage", "IdentityStorageBlockingPool", "IdentityStorageMemory",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "IdentityStorageKeys",
            // The core and swift-crypto only (_CryptoExtras for RSA): never a backend or a web framework.
            dependencies: ["IdentityStorage", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "IdentityStorageConfigReader",
            // The core and swift-configuration only: a server linking one adapter never builds it.
            dependencies: ["IdentityStorage", .product(name: "Configuration", package: "swift-configuration")]
        ),
        .target(
            name: "IdentityStorageConformance",
            dependencies: ["IdentityStorage"],
            path: "Conformance"
        ),
        .target(
            name: "IdentityStorageOpener",
            dependencies: [
                "IdentityStorage", "IdentityStorageMemory", "IdentityStorageSQLite", "IdentityStoragePostgres",
                "IdentityStorageMariaDB", "IdentityStorageRedis", "IdentityStorageFile",
            ]
        ),
        .target(
            name: "IdentityStorageTool",
            // Names no backend: an outside adapter's tool links this and its own adapter, never the C client libraries.
            dependencies: [
                "IdentityStorage", "IdentityStorageConformance", "IdentityStorageKeys",
                // `--config` and IDENTITYSTORAGE_* variables beside the deployment options.
                "IdentityStorageConfigReader", .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                // The key benchmarks' baselines: swift-crypto called directly.
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Not a product: the built-in backends' abilities for the tool (raw C baselines and bulk loading for `bench`,
        // damage for `check`'s corrupted-data cases), linked by `idstore` and the tests only.
        .target(
            name: "IdentityStorageToolBuiltIns",
            dependencies: [
                "IdentityStorage", "IdentityStorageConformance", "IdentityStorageTool", "IdentityStorageSQL",
                "IdentityStorageMemory", "IdentityStorageSQLite", "IdentityStoragePostgres", "IdentityStorageMariaDB", "IdentityStorageRedis",
                "IdentityStorageFile",
            ]
        ),
        .executableTarget(
            name: "idstore",
            dependencies: ["IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns"]
        ),
        .target(
            name: "IdentityStorageHummingbird",
            dependencies: ["IdentityStorage", .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"]))]
        ),
        .target(
            name: "IdentityStorageVapor",
            dependencies: ["IdentityStorage", .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
                           .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Vapor"]))]
        ),
        // The example authorization server (Examples/AuthorizationServer): its routes as a library the tests drive
        // through Hummingbird's test client, and the executable that serves them.
        .target(
            name: "AuthorizationServerExample",
            dependencies: ["IdentityStorage", "IdentityStorageHummingbird", "IdentityStorageKeys", .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["ExampleServer"])),
                           .product(name: "Crypto", package: "swift-crypto")],
            path: "Examples/AuthorizationServer/Sources/AuthorizationServerExample"
        ),
        .executableTarget(
            name: "authorization-server",
            dependencies: ["AuthorizationServerExample", "IdentityStorageKeys", "IdentityStorageOpener", "IdentityStorageTool",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["ExampleServer"]))],
            path: "Examples/AuthorizationServer/Sources/authorization-server"
        ),
        // Not a product: `idstore` with the observability packages' test kits installed, for the instrumentation
        // benchmark (`swift run -c release idstore-test-kits bench --workload instrumentation --store URL`).
        .executableTarget(
            name: "idstore-test-kits",
            dependencies: ["IdentityStorage", "IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns",
                           .product(name: "InMemoryLogging", package: "swift-log"), .product(name: "MetricsTestKit", package: "swift-metrics"),
                           .product(name: "InMemoryTracing", package: "swift-distributed-tracing")],
            path: "Benchmarks/idstore-test-kits"
        ),
        .testTarget(
            name: "MemoryTests",
            dependencies: ["IdentityStorage", "IdentityStorageMemory", "IdentityStorageConformance", "IdentityStorageTool", "IdentityStorageToolBuiltIns"]
        ),
        .testTarget(
            name: "BlockingPoolTests",
            dependencies: ["IdentityStorage", "IdentityStorageBlockingPool"]
        ),
        .target(
            name: "ServerTestSupport",
            dependencies: ["IdentityStorage", "IdentityStorageConformance", "IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns",
                           .product(name: "Subprocess", package: "swift-subprocess")],
            path: "Tests/ServerTestSupport"
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["IdentityStorage", "IdentityStoragePostgres", "IdentityStorageConformance", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "ServerTestSupport"]
        ),
        .testTarget(
            name: "MariaDBTests",
            // CMariaDB for the raw libmariadb baseline of the timing test; IdentityStorageSQL for statement parameters.
            dependencies: ["IdentityStorage", "IdentityStorageMariaDB", "IdentityStorageConformance", "IdentityStorageSQL", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "CMariaDB",
                           "ServerTestSupport"]
        ),
        .testTarget(
            name: "RedisTests",
            dependencies: ["IdentityStorage", "IdentityStorageRedis", "IdentityStorageConformance", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "CHiredis", "ServerTestSupport"]
        ),
        // Examples/AcmeAdapter's adapter, compiled here as well so that the tests run the article's example (its grant
        // store) without a copy of it; its own package builds it as a user would (Scripts/check-examples.sh).
        .target(
            name: "AcmeExampleAdapter",
            dependencies: ["IdentityStorage", "IdentityStorageMemory"],
            path: "Examples/AcmeAdapter/Sources/AcmeIdentityStorage"
        ),
        .testTarget(
            name: "AdapterSeamTests",
            // Public API only (no @testable, no @_spi, no `package` symbols): what an adapter author outside this package writes.
            dependencies: ["AcmeExampleAdapter", "IdentityStorage", "IdentityStorageConformance", "IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns",
                           "IdentityStorageMemory", "IdentityStorageSQLite", "IdentityStoragePostgres", "IdentityStorageMariaDB",
                           "IdentityStorageRedis", "IdentityStorageFile", "ServerTestSupport",
                           // An SQL adapter written with the SQL kit alone, over libsqlite3 (KitSQLiteAdapter.swift).
                           "IdentityStorageSQL", "IdentityStorageBlockingPool", "CSQLite3"]
        ),
        .testTarget(
            name: "ConfigurationCacheTests",
            // The configuration cache on every backend: two instances (and `idstore import` as another process), the
            // change channel killed, a writer and a reader racing. `idstore` is the other process.
            dependencies: ["IdentityStorage", "IdentityStorageMemory", "IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "IdentityStorageConformance",
                           "ServerTestSupport", "idstore"]
        ),
        .testTarget(
            name: "ObservabilityTests",
            // Logs, metrics, spans, cancellation and lifecycle on every backend, through the packages' own test kits.
            dependencies: ["IdentityStorage", "IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "IdentityStorageConformance", "IdentityStorageMemory", "IdentityStorageSQLite",
                           "IdentityStoragePostgres", "IdentityStorageMariaDB", "ServerTestSupport",
                           .product(name: "InMemoryLogging", package: "swift-log"), .product(name: "MetricsTestKit", package: "swift-metrics"),
                           .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .executableTarget(
            name: "filestore-probe",
            dependencies: ["IdentityStorage", "IdentityStorageFile"],
            path: "Tests/FileStoreProbe"
        ),
        .executableTarget(
            name: "keys-probe",
            // An instance of the key managers in a process of its own, for the race and rewrap-kill tests.
            dependencies: ["IdentityStorage", "IdentityStorageKeys", "IdentityStorageOpener", .product(name: "Logging", package: "swift-log")],
            path: "Tests/KeysProbe"
        ),
        .testTarget(
            name: "KeyManagementTests",
            // keys-probe and idstore: the instances and the tool the race and kill tests run as processes.
            dependencies: ["IdentityStorage", "IdentityStorageKeys", "IdentityStorageMemory", "IdentityStorageOpener", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "ServerTestSupport",
                           "keys-probe", "idstore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "FileTests",
            // filestore-probe: the writer the crash and race tests run as processes of their own.
            dependencies: ["IdentityStorage", "IdentityStorageFile", "filestore-probe", "ServerTestSupport"]
        ),
        .testTarget(
            name: "SQLiteTests",
            dependencies: ["IdentityStorage", "IdentityStorageSQLite", "IdentityStorageConformance", "IdentityStorageTool", "IdentityStorageToolBuiltIns", "IdentityStorageOpener", "idstore",
                           "ServerTestSupport"]
        ),
        .testTarget(
            name: "ConfigReaderTests",
            // A deployment read through swift-configuration, and `idstore` (spawned) reading its options from a file
            // and the environment.
            dependencies: ["IdentityStorage", "IdentityStorageConfigReader", "IdentityStorageMemory", "IdentityStorageSQLite", "IdentityStorageFile",
                           "IdentityStorageTool", "ServerTestSupport", "idstore",
                           .product(name: "Configuration", package: "swift-configuration")]
        ),
        .testTarget(
            name: "HummingbirdDropInTests",
            dependencies: ["IdentityStorage", "IdentityStorageHummingbird", "IdentityStorageOpener", "ServerTestSupport",
                           .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                           .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                           .product(name: "HummingbirdAuth", package: "hummingbird-auth", condition: .when(traits: ["Hummingbird"]))]
        ),
        .testTarget(
            name: "VaporDropInTests",
            dependencies: ["IdentityStorage", "IdentityStorageVapor", "IdentityStorageOpener", "ServerTestSupport",
                           .product(name: "VaporTesting", package: "vapor", condition: .when(traits: ["Vapor"]))]
        ),
        .testTarget(
            name: "ExampleServerTests",
            // authorization-server: the executable a real OAuth client library drives (Scripts/oauth-client-flows.py);
            // Crypto: the client secrets' hashes and the private_key_jwt client's key.
            dependencies: ["IdentityStorage", "AuthorizationServerExample", "IdentityStorageOpener", "ServerTestSupport", "authorization-server", "idstore",
                           "IdentityStorageKeys",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["ExampleServer"])),
                           .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["ExampleServer"]))]
        ),
    ],
    swiftLanguageModes: [.v6]
)
