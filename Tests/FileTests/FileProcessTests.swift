import Foundation
import IdentityStorage
import IdentityStorageFile
import ServerTestSupport
import Testing

/// Writers in other processes: killed mid-write, or racing one another (`filestore-probe`, Tests/FileStoreProbe).
@Suite("file: adapter across processes", .serialized)
struct FileProcessTests {
    @Test("SIGKILL during saves and key-ring appends loses nothing acknowledged", .timeLimit(.minutes(5)))
    func killedWriters() async throws {
        let directory = try Scratch()
        let (keys, document) = (directory.path("keys"), directory.path("configuration.json"))
        var acknowledged: [Int64] = []
        var lastGeneration = -1
        var interrupted = 0, saves = 0
        for round in 0..<25 {
            let appender = try await Probe.start(["append", keys])
            let saver = try await Probe.start(["save", document])
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600)))
            try await appender.kill()
            try await saver.kill()
            let ids = appender.lines().compactMap { Int64($0) }
            acknowledged += ids
            let generations = saver.lines().compactMap { Int($0) }
            saves += generations.count
            lastGeneration = generations.last ?? lastGeneration
            // Temporary files left by a writer killed between creating and renaming them (removed by the next writer).
            interrupted += try FileManager.default.contentsOfDirectory(atPath: directory.directory).filter { $0.contains(".tmp-") }.count
                + ((try? FileManager.default.contentsOfDirectory(atPath: keys)) ?? []).filter { $0.contains(".tmp-") }.count
            // Every file parses, nothing acknowledged is missing, no id was given twice.
            let storage = try await FileIdentityStorage.open(.init(path: keys, content: .keyMaterial))
            let ring = try await storage.makeStores().keyRing.allElements().map(\.id)
            await storage.close()
            #expect(Set(acknowledged).isSubset(of: Set(ring)), "round \(round): acknowledged ids missing: \(Set(acknowledged).subtracting(ring).sorted())")
            #expect(ring == ring.sorted() && Set(ring).count == ring.count, "round \(round): ids \(ring)")
            guard let bytes = FileManager.default.contents(atPath: document) else {
                #expect(lastGeneration < 0, "round \(round): the document is gone after generation \(lastGeneration) was acknowledged")
                continue
            }
            let parsed = try ConfigurationDocument(json: bytes)
            if lastGeneration >= 0 {
                // The old document or the new one: the last acknowledged save, or the one after it that was not yet acknowledged.
                let name = parsed.clients.first { $0.clientId == "client-\(lastGeneration % 20)" }?.clientName
                let newer = parsed.clients.first { $0.clientId == "client-\((lastGeneration + 1) % 20)" }?.clientName
                #expect(name == "generation \(lastGeneration)" || newer == "generation \(lastGeneration + 1)",
                        "round \(round): generation \(lastGeneration) acknowledged, document has \(String(describing: name))")
            }
        }
        #expect(acknowledged.count > 25, "the writers barely ran: \(acknowledged.count) appends acknowledged")
        print("FileTests: 25 kills, \(acknowledged.count) appends and \(saves) saves acknowledged, \(interrupted) writes cut between temporary file and rename")
    }

    @Test("appenders killed mid-write leave no key-ring name without its element once the next writer ran", .timeLimit(.minutes(10)))
    func killedAppendersLeaveNoOrphanedNames() async throws {
        let directory = try Scratch()
        let keys = directory.path("keys")
        var cut = 0
        for round in 0..<30 {
            let appender = try await Probe.start(["append", keys])
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...400)))
            try await appender.kill()
            // A name without its XML: the appender died after writing an element's name and before its XML.
            cut += Self.orphanedNames(in: keys).count
            let storage = try await FileIdentityStorage.open(.init(path: keys, content: .keyMaterial))
            _ = try await storage.makeStores().keyRing.storeElement(xml: "<key next=\"\(round)\"/>", friendlyName: "next-\(round)")
            await storage.close()
            #expect(Self.orphanedNames(in: keys).isEmpty, "round \(round): left behind the next writer: \(Self.orphanedNames(in: keys))")
        }
        print("FileTests: 30 killed appenders, \(cut) of them between an element's name and its XML")
    }

    /// The key-ring name files in `keys` without their element's XML.
    static func orphanedNames(in keys: String) -> [String] {
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: keys)) ?? [])
        return names.filter { $0.hasPrefix("key-ring-") && $0.hasSuffix(".name") && !names.contains(String($0.dropLast(5)) + ".xml") }.sorted()
    }

    @Test("two processes appending with the same ifLatestIdIs: exactly one winner, 1,000 times", .timeLimit(.minutes(5)))
    func conditionalAppendRace() async throws {
        let directory = try Scratch()
        let keys = directory.path("keys")
        let racers = [try await Probe.start(["race", keys]), try await Probe.start(["race", keys])]
        defer { for racer in racers { racer.killWithoutWaiting() } }
        let outcome = try await offTheCooperativePool { () throws -> (rounds: Int, problems: [String]) in
            var latest: Int64?
            var problems: [String] = []
            for round in 0..<1000 {
                for racer in racers { racer.send(latest.map(String.init) ?? "nil") }
                let answers = try racers.map { try $0.nextLine() }
                let winners = answers.filter { $0.hasPrefix("won ") }
                if winners.count != 1 { problems.append("round \(round): \(answers)") }
                if let winner = winners.first, let id = Int64(winner.dropFirst(4)) { latest = id }
                if problems.count > 5 { break }
            }
            return (1000, problems)
        }
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        let storage = try await FileIdentityStorage.open(.init(path: keys, content: .keyMaterial))
        #expect(try await storage.makeStores().keyRing.allElements().count == outcome.rounds)
        await storage.close()
    }
}

/// The `filestore-probe` executable, which writes to a `file:` store as the crash and race tests direct it.
enum Probe {
    static func start(_ arguments: [String]) async throws -> ProbeProcess {
        try await ProbeProcess.start(PackagePaths.executable("filestore-probe"), arguments, input: true)
    }
}
