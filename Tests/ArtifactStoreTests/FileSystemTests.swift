import ArtifactStore
import Foundation
import Testing
import TestSupport

/// The one system layer's "temporary file, fsync, rename" and short-write loop.
@Suite("FileSystem")
struct FileSystemTests {
    @Test("replaceFile puts the new content in place whole and leaves no temporary file")
    func replaceFileReplaces() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("target", contents: Array("old".utf8)).path(percentEncoded: false)
        let content = pseudoRandomBytes(count: 3 << 20, seed: 4)
        try FileSystem.replaceFile(path, temporary: path + ".tmp", syncingDirectory: directory.path) { fd in
            try content.withUnsafeBytes { try FileSystem.writeAll(fd, $0) }
        }
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == content)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["target"])
    }

    @Test("replaceFile leaves the old file as it was, and no temporary, when writing fails")
    func replaceFileFailureKeepsOld() throws {
        struct Refused: Error {}
        let directory = try TemporaryDirectory()
        let path = try directory.file("target", contents: Array("old".utf8)).path(percentEncoded: false)
        #expect(throws: Refused.self) {
            try FileSystem.replaceFile(path, temporary: path + ".tmp") { fd in
                try Array("half".utf8).withUnsafeBytes { try FileSystem.writeAll(fd, $0) }
                throw Refused()
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["target"])
        // An existing temporary is never overwritten (exclusive creation).
        try Data().write(to: URL(fileURLWithPath: path + ".tmp"))
        #expect(throws: SystemError.self) { try FileSystem.replaceFile(path, temporary: path + ".tmp") { _ in } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    }

    @Test("makeTemporaryFile creates distinct private files that a child process does not inherit")
    func temporaryFilesArePrivateAndDistinct() throws {
        let directory = try TemporaryDirectory()
        let first = try FileSystem.makeTemporaryFile(in: directory.path, prefix: "body-")
        let second = try FileSystem.makeTemporaryFile(in: directory.path, prefix: "body-")
        defer { FileSystem.close(first.descriptor); FileSystem.close(second.descriptor) }
        #expect(first.path != second.path)
        #expect(first.path.hasPrefix(directory.path + "/body-"))
        let info = try #require(try FileSystem.status(ofPath: first.path))
        #expect(FileSystem.isRegularFile(info))
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(fcntl(first.descriptor, F_GETFD) & FD_CLOEXEC != 0)
        #expect(throws: SystemError.self) { try FileSystem.makeTemporaryFile(in: directory.path + "/missing", prefix: "x") }
    }

    @Test("status(ofPath:) is nil for a missing path, follows links, and removeIfPresent ignores what is not there")
    func statusAndRemoval() throws {
        let directory = try TemporaryDirectory()
        #expect(try FileSystem.status(ofPath: directory.path + "/missing") == nil)
        #expect(try FileSystem.status(ofPath: directory.path + "/missing/below") == nil)
        let file = try directory.file("file", contents: Array("12345".utf8)).path(percentEncoded: false)
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/link", withDestinationPath: file)
        let linked = try #require(try FileSystem.status(ofPath: directory.path + "/link"))
        #expect(FileSystem.isRegularFile(linked) && linked.st_size == 5)
        FileSystem.removeIfPresent(file)
        FileSystem.removeIfPresent(file)
        #expect(try FileSystem.status(ofPath: file) == nil)
    }
}
