// swift-tools-version: 6.1
import PackageDescription

// Linux (glibc) is the supported platform: it is the only one built and tested (CI, the
// manylinux wheel). No `platforms:` entry claims more; the store's system layer
// (Sources/ArtifactStore/FileSystem.swift) is written against Glibc.
let package = Package(
    name: "artifact-store",
    products: [
        .library(name: "HTTPCaching", targets: ["HTTPCaching"]),
        .library(name: "PythonPackaging", targets: ["PythonPackaging"]),
        .library(name: "ArtifactStore", targets: ["ArtifactStore"]),
        .library(name: "ArtifactStoreHTTP", targets: ["ArtifactStoreHTTP"]),
        .executable(name: "artifact-store", targets: ["artifact-store"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        // `swift package generate-documentation` (.ci/run's docs gate); a plugin only, nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        // Pure logic: no dependencies, no I/O.
        .target(name: "HTTPCaching"),
        // PEP 691 negotiation reads `Accept` through HTTPCaching's AcceptField.
        .target(name: "PythonPackaging", dependencies: ["HTTPCaching"]),
        // Lock files and requirements files read into packages and files (parsing only).
        .target(
            name: "LockFiles",
            dependencies: ["PythonPackaging", .product(name: "TOMLKit", package: "TOMLKit")]
        ),

        // The store: blobs on disk, metadata in SQLite.
        .target(
            name: "ArtifactStore",
            dependencies: [
                "HTTPCaching",
                "PythonPackaging",
                "LockFiles",
                "SystemShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            plugins: ["SchemaPlugin"]
        ),
        // The few C calls Swift cannot make: system calls its Glibc module lacks (sync_file_range),
        // and SQLite's variadic sqlite3_config (the system libsqlite3, as GRDB's).
        .target(name: "SystemShims", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "ArtifactStoreHTTP",
            dependencies: [
                "ArtifactStore",
                "HTTPCaching",
                "PythonPackaging",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Blobs in an S3-compatible bucket, signed with a small SigV4 signer of its own.
        .target(
            name: "ArtifactStoreS3",
            dependencies: [
                "ArtifactStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Metadata in PostgreSQL, shared by several nodes; Schema/postgres/*.sql compiled in.
        .target(
            name: "ArtifactStorePostgres",
            dependencies: [
                "ArtifactStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["SchemaPlugin"]
        ),
        .target(
            name: "ArtifactStoreCLI",
            dependencies: [
                "ArtifactStore",
                "ArtifactStoreHTTP",
                "ArtifactStorePostgres",
                "ArtifactStoreS3",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                "LockFiles",
                "HTTPCaching",
                "PythonPackaging",
            ]
        ),
        .executableTarget(name: "artifact-store", dependencies: ["ArtifactStoreCLI"]),
        // The benchmarks' drivers (scripts/bench-*.sh): built beside the product, never in it.
        .executableTarget(
            name: "artifact-store-bench",
            dependencies: [
                "ArtifactStore",
                "ArtifactStoreCLI",
                "HTTPCaching",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The inline-bodies measurement's SQLite side (scripts/bench-inline.sh).
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Schema/*.sql compiled into the binary (no resource bundle to lose on install).
        .executableTarget(name: "SchemaCodegen", path: "Sources/SchemaCodegen"),
        .plugin(name: "SchemaPlugin", capability: .buildTool(), dependencies: ["SchemaCodegen"]),

        // What the test targets share: temporary stores and directories, the seeded generator,
        // the captured log.
        .target(
            name: "TestSupport",
            dependencies: ["ArtifactStore", "ArtifactStorePostgres", "ArtifactStoreS3", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "HTTPCachingTests", dependencies: ["HTTPCaching", "TestSupport"]),
        .testTarget(name: "PythonPackagingTests", dependencies: ["PythonPackaging", "TestSupport"]),
        .testTarget(name: "LockFilesTests", dependencies: ["LockFiles", "PythonPackaging"]),
        .testTarget(
            name: "ArtifactStoreTests",
            dependencies: ["ArtifactStore", "HTTPCaching", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ArtifactStoreHTTPTests",
            dependencies: [
                "ArtifactStoreHTTP",
                "ArtifactStore",
                "HTTPCaching",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ArtifactStoreS3Tests",
            dependencies: [
                "ArtifactStoreS3",
                "ArtifactStore",
                "ArtifactStorePostgres",
                "HTTPCaching",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ArtifactStorePostgresTests",
            dependencies: [
                "ArtifactStorePostgres",
                "ArtifactStore",
                "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ArtifactStoreCLITests", dependencies: ["ArtifactStoreCLI", "artifact-store"]),
    ]
)
