import Foundation
import Testing

@Suite("Crashes and concurrent processes", .serialized)
struct CrashAndConcurrencyTests {
    @Test("a put killed with SIGKILL mid-write leaves no blob and a store that opens")
    func killedWhileReadingInput() throws {
        let scratch = try Scratch()
        #expect(try run(["init"], store: scratch.store).status == 0)
        let process = Process()
        process.executableURL = artifactStoreExecutable
        process.arguments = ["put", "--store", scratch.store, "-"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Feed 8 MiB, then kill the writer while it waits for more.
        let chunk = Data(repeating: 0x5a, count: 1 << 20)
        for _ in 0..<8 { input.fileHandleForWriting.write(chunk) }
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(stats["blobCount"] as? Int == 0, "nothing partial was published")
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: scratch.store + "/blobs/sha256")
        #expect(blobs.isEmpty)
        // The store keeps working; the garbage in tmp/ is ignored.
        let put = try run(["put", "-"], store: scratch.store, stdin: Data("after the crash".utf8))
        #expect(put.status == 0)
    }

    @Test("puts killed at random moments leave each blob absent or complete, never partial")
    func killedAtRandomMoments() throws {
        let scratch = try Scratch()
        let file = try scratch.largeFile("large.whl", size: 96 << 20)
        let expected = try sha256Hex(ofFile: file)
        // Time one undisturbed put, then kill others anywhere within that span (and a bit after).
        let started = Date()
        #expect(try run(["put", file], store: scratch.store).status == 0)
        let span = Date().timeIntervalSince(started) * 1.2
        try FileManager.default.removeItem(atPath: scratch.store)
        var generator = SystemRandomNumberGenerator()
        var outcomes: [String: Int] = [:]
        for _ in 0..<10 {
            let process = Process()
            process.executableURL = artifactStoreExecutable
            process.arguments = ["put", "--store", scratch.store, file]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...span, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let cat = try run(["cat", expected], store: scratch.store)
            switch cat.status {
            case 0:
                #expect(cat.stdout.count == 96 << 20, "a published blob is complete")
                outcomes["complete", default: 0] += 1
                // Start the next round from an empty store, so it can crash mid-write again.
                try FileManager.default.removeItem(atPath: scratch.store)
            case 1:
                outcomes["absent", default: 0] += 1
            case 74 where !FileManager.default.fileExists(atPath: scratch.store + "/STORE-FORMAT"):
                outcomes["absent", default: 0] += 1  // killed before the store was even created
            default:
                Issue.record("cat after a crash: status \(cat.status): \(cat.stderr)")
            }
        }
        // Whatever happened, a final put succeeds and reads back intact.
        #expect(try run(["put", file], store: scratch.store).status == 0)
        let cat = try run(["cat", expected], store: scratch.store)
        #expect(cat.status == 0)
        #expect(cat.stdout.count == 96 << 20)
        print("kill -9 outcomes: \(outcomes)")
    }

    @Test("processes creating the same new store at once all succeed")
    func concurrentCreation() throws {
        let scratch = try Scratch()
        let processes = try (0..<6).map { index in
            let process = Process()
            process.executableURL = artifactStoreExecutable
            process.arguments = ["put", "--store", scratch.store, "-"]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data("process \(index)".utf8))
            try input.fileHandleForWriting.close()
            return process
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(stats["blobCount"] as? Int == 6)
    }

    @Test("two processes putting the same large file at once both succeed and store one blob")
    func concurrentPutsOfSameFile() throws {
        let scratch = try Scratch()
        let file = try scratch.largeFile("same.whl", size: 64 << 20, seed: 3)
        #expect(try run(["init"], store: scratch.store).status == 0)
        let processes = (0..<2).map { _ in
            let process = Process()
            process.executableURL = artifactStoreExecutable
            process.arguments = ["put", "--json", "--store", scratch.store, file]
            process.standardOutput = Pipe()
            return process
        }
        for process in processes { try process.run() }
        var digests: Set<String> = []
        for process in processes {
            let data = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let result = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
            digests.insert(result?.first?["digest"] as? String ?? "")
        }
        #expect(digests == [try sha256Hex(ofFile: file)])
        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(stats["blobCount"] as? Int == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.store + "/tmp").isEmpty)
    }
}
