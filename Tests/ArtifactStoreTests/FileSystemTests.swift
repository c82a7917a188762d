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
}
