@testable import ArtifactStore
import Foundation
import Testing
import TestSupport

/// `--with-deps` reads a stored wheel's own METADATA: from the very file BlobReader verified.
@Suite("core metadata of stored wheels")
struct CoreMetadataTests {
    /// A minimal wheel: a zip holding `alpha-1.0.dist-info/METADATA`, written by Python's zipfile.
    private static func wheel(in directory: TemporaryDirectory) throws -> [UInt8] {
        let path = directory.path + "/alpha-1.0-py3-none-any.whl"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("alpha-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: alpha\\nVersion: 1.0\\nRequires-Dist: beta>=1.0\\n")
            """, path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("a wheel's METADATA is read from the verified blob; a damaged wheel is quarantined, not read")
    func metadataFromVerifiedWheel() throws {
        let fixture = try TestStore()
        let blob = try fixture.store.put(bytes: try Self.wheel(in: fixture.directory))
        let metadata = try #require(try fixture.store.coreMetadata(filename: "alpha-1.0-py3-none-any.whl", digest: blob.digest, url: nil))
        #expect(metadata.name == "alpha")
        #expect(metadata.requiresDist == ["beta>=1.0"])

        var damaged = try Self.wheel(in: fixture.directory)
        damaged[damaged.count / 2] ^= 0xff
        try fixture.tamper(blob.digest, with: damaged)
        expectStoreError(.blobCorrupt) { try fixture.store.coreMetadata(filename: "alpha-1.0-py3-none-any.whl", digest: blob.digest, url: nil) }
        #expect(try fixture.store.blob(blob.digest)?.quarantinedAt != nil)
        #expect(fixture.log.messages.filter { $0.level == .error }.map(\.message) == ["blob failed verification and was quarantined"])
    }
}
