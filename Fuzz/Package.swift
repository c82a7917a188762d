// swift-tools-version: 6.1
// libFuzzer targets over the project's parsers. A package of its own, so that the main package's
// `swift build` never builds it (its executable gets `main` from libFuzzer). Run scripts/fuzz.sh.
import PackageDescription

let package = Package(
    name: "artifact-store-fuzz",
    dependencies: [.package(name: "artifact-store", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzTargets",
            dependencies: [
                .product(name: "HTTPCaching", package: "artifact-store"),
                .product(name: "PythonPackaging", package: "artifact-store"),
                .product(name: "ArtifactStore", package: "artifact-store"),
            ]
            // main.swift hands control to libFuzzer's driver; scripts/fuzz.sh adds
            // -sanitize=fuzzer to every module, so that the parsers under test are instrumented
            // for coverage too.
        )
    ]
)
