import ArtifactStore
import Foundation
import Testing
import TestSupport

@Suite("Putting and reading blobs")
struct PutAndReadTests {
    @Test("a put returns the SHA-256 of the content and its size")
    func putReturnsDigestAndSize() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("hello\n".utf8))
        #expect(stored.digest.hex == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(stored.size == 6)
        #expect(!stored.alreadyStored)
    }

    @Test("the empty blob is a blob like any other")
    func emptyBlob() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: [UInt8]())
        #expect(stored.digest.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try fixture.store.read(stored.digest) == [])
    }

    @Test("reading returns exactly the bytes that were put", arguments: [0, 1, 4095, 4096, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17])
    func roundTrip(size: Int) throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: size, seed: UInt64(size))
        let stored = try fixture.store.put(bytes: bytes)
        #expect(stored.size == Int64(size))
        #expect(try fixture.store.read(stored.digest) == bytes)
    }

    @Test("a file put is read back identical, and stored read-only under its digest")
    func putFile() throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: 2_500_000, seed: 7)
        let file = try fixture.directory.file("torch-2.5.1-cp311-cp311-linux_x86_64.whl", contents: bytes)
        let stored = try fixture.store.put(file: file)
        #expect(try fixture.store.read(stored.digest) == bytes)
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.blobPath(stored.digest))
        #expect((attributes[.posixPermissions] as? Int) == 0o444)
    }

    @Test("putting content twice stores it once and refreshes its last use")
    func putTwice() throws {
        let fixture = try TestStore()
        let first = try fixture.store.put(bytes: Array("same".utf8))
        fixture.clock.advance(by: 3600)
        let second = try fixture.store.put(bytes: Array("same".utf8))
        #expect(second.digest == first.digest)
        #expect(second.alreadyStored)
        let info = try #require(try fixture.store.blob(first.digest))
        #expect(info.lastUsedAt == info.createdAt + 3600)
        #expect(try fixture.store.stats().blobCount == 1)
        let tmp = try FileManager.default.contentsOfDirectory(atPath: fixture.root.appending(path: "tmp").path(percentEncoded: false))
        #expect(tmp.isEmpty, "the duplicate's temporary file is removed")
    }

    @Test("a streamed put through a BlobWriter equals a put of the same bytes")
    func blobWriterStreams() throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: 100_000, seed: 3)
        let writer = try fixture.store.makeBlobWriter()
        for chunk in stride(from: 0, to: bytes.count, by: 7_777) {
            try writer.write(Array(bytes[chunk..<min(chunk + 7_777, bytes.count)]))
        }
        let streamed = try writer.commit()
        #expect(streamed.digest == (try fixture.store.put(bytes: bytes)).digest)
    }

    @Test("a writer given the wrong expected digest stores nothing")
    func expectedDigestMismatch() throws {
        let fixture = try TestStore()
        let writer = try fixture.store.makeBlobWriter()
        try writer.write(Array("actual".utf8))
        let wrong = try BlobDigest(validating: String(repeating: "ab", count: 32))
        expectStoreError(.blobCorrupt) { try writer.commit(expecting: wrong) }
        #expect(try fixture.store.stats().blobCount == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.appending(path: "tmp").path(percentEncoded: false)).isEmpty)
    }

    @Test("a cancelled or dropped writer leaves nothing behind")
    func cancelledWriter() throws {
        let fixture = try TestStore()
        do {
            let writer = try fixture.store.makeBlobWriter()
            try writer.write(Array("abandoned".utf8))
        }
        let writer = try fixture.store.makeBlobWriter()
        try writer.write(Array("cancelled".utf8))
        writer.cancel()
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.appending(path: "tmp").path(percentEncoded: false)).isEmpty)
        #expect(try fixture.store.stats().blobCount == 0)
    }

    @Test("copying a blob to a file descriptor writes its bytes")
    func copyToDescriptor() throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: 1_500_000, seed: 11)
        let stored = try fixture.store.put(bytes: bytes)
        let output = fixture.directory.url.appending(path: "out")
        #expect(FileManager.default.createFile(atPath: output.path(percentEncoded: false), contents: nil))
        let handle = try FileHandle(forWritingTo: output)
        try fixture.store.copy(stored.digest, to: handle.fileDescriptor)
        try handle.close()
        #expect(try Data(contentsOf: output) == Data(bytes))
    }

    @Test("stats count blobs and bytes", TestMetadata.sqliteOnly)
    func stats() throws {
        let fixture = try TestStore()
        _ = try fixture.store.put(bytes: [1, 2, 3])
        _ = try fixture.store.put(bytes: [4, 5])
        _ = try fixture.store.put(bytes: [4, 5])
        let stats = try fixture.store.stats()
        #expect(stats.blobCount == 2)
        #expect(stats.blobBytes == 5)
        #expect(stats.formatVersion == 1)
        #expect(stats.schemaVersion.range(of: #"^\d{4}_\w+$"#, options: .regularExpression) != nil, "the last migration's name")
        #expect(stats.databaseBytes > 0)
        #expect(stats.path == fixture.root.standardizedFileURL.path(percentEncoded: false))
    }

    @Test("blobs are listed in the requested order, within the limit")
    func listing() throws {
        let fixture = try TestStore()
        var digests: [BlobDigest] = []
        for size in [10, 30, 20] {
            digests.append(try fixture.store.put(bytes: pseudoRandomBytes(count: size, seed: UInt64(size))).digest)
            fixture.clock.advance(by: 60)
        }
        var bySize: [Int64] = []
        try fixture.store.forEachBlob(order: .size) { bySize.append($0.size) }
        #expect(bySize == [30, 20, 10])
        var byUse: [BlobDigest] = []
        try fixture.store.forEachBlob(order: .lastUsed, limit: 2) { byUse.append($0.digest) }
        #expect(byUse == [digests[2], digests[1]])
        var byDigest: [BlobDigest] = []
        try fixture.store.forEachBlob { byDigest.append($0.digest) }
        #expect(byDigest == digests.sorted())
    }
}

@Suite("Bad input")
struct BadInputTests {
    @Test("malformed digests are rejected before any path is built", arguments: [
        "../../etc/passwd",
        "5891b5b5",
        "",
        String(repeating: "a", count: 65),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be0g",
        "md5:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be0/",
        "/5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be0",
    ])
    func malformedDigest(text: String) {
        expectStoreError(.invalidInput) { try BlobDigest(validating: text) }
    }

    @Test("an uppercase digest is the same digest (and only ever becomes a lowercase path)")
    func uppercaseIsTheSameDigest() throws {
        let digest = try BlobDigest(validating: "SHA256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03")
        #expect(digest.hex == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    }

    @Test("a sha256: prefix is accepted")
    func prefixedDigest() throws {
        let digest = try BlobDigest(validating: "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(digest.hex.hasPrefix("5891"))
    }

    @Test("putting a file that does not exist says so")
    func missingFile() throws {
        let fixture = try TestStore()
        let error = expectStoreError(.invalidInput) { try fixture.store.put(file: fixture.directory.url.appending(path: "nope.whl")) }
        #expect(error?.message.contains("no such file") == true)
    }

    @Test("putting a directory is refused with a hint")
    func directory() throws {
        let fixture = try TestStore()
        let error = expectStoreError(.invalidInput) { try fixture.store.put(file: fixture.directory.url) }
        #expect(error?.message.contains("is a directory") == true)
    }

    @Test("reading a digest the store never held is not-found")
    func unknownDigest() throws {
        let fixture = try TestStore()
        let digest = try BlobDigest(validating: String(repeating: "0", count: 64))
        expectStoreError(.notFound) { try fixture.store.read(digest) }
        #expect(try fixture.store.blob(digest) == nil)
    }
}
