// One instance of the key managers in a process of its own, for the race tests (Tests/KeyManagementTests):
//
//   keys-probe instance URL --at MICROS [--barrier FILE] [--kek HEX] [--algorithms RS256,PS256,ES256]
//
// opens the key store at URL, prints "ready", waits until FILE exists (so that every instance starts at once),
// then asks, with its clock set to MICROS (µs since 1970), for the current signing key of each algorithm and the
// default data-protection key, and prints them as one JSON line: {"signing": {"RS256": kid, …}, "dataProtection": id}.
import Foundation
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageOpener
import Logging

// Standard output carries the answers only.
LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("keys-probe: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, arguments[0] == "instance" else { fail("usage: keys-probe instance URL --at MICROS [--barrier FILE] [--kek HEX] [--algorithms A,B]") }
let url = arguments[1]
var options: [String: String] = [:]
var index = 2
while index + 1 < arguments.count {
    options[arguments[index]] = arguments[index + 1]
    index += 2
}
guard let at = options["--at"].flatMap(Int64.init) else { fail("--at MICROS is required") }
let algorithms = (options["--algorithms"] ?? "RS256,PS256,ES256").split(separator: ",").map { name -> SigningAlgorithm in
    guard let algorithm = SigningAlgorithm(rawValue: String(name)) else { fail("unknown algorithm \(name)") }
    return algorithm
}

do {
    let store = try await StoreOpener.builtIn.open(url: url)
    let clock = ManualWallClock(start: Date(microsecondsSince1970: at))
    let kek = try options["--kek"].map { try LocalKeyEncryptionKeys(current: try LocalKeyEncryptionKeys.decode(Data($0.utf8), source: "--kek")) }
    var policy = SigningKeyPolicy()
    policy.algorithms = algorithms
    let keys = try KeyManagement(stores: store.makeStores(clock: clock), keyEncryption: kek, signing: policy, clock: clock)
    say("ready")
    if let barrier = options["--barrier"] {
        while !FileManager.default.fileExists(atPath: barrier) { try await Task.sleep(for: .milliseconds(1)) }
    }
    var signing: [String: String] = [:]
    for algorithm in algorithms { signing[algorithm.rawValue] = try await keys.signingKeys.currentSigningKey(for: algorithm).id }
    let dataProtection = try await keys.dataProtector.currentKey().id.uuidString.lowercased()
    let line = try JSONSerialization.data(withJSONObject: ["signing": signing, "dataProtection": dataProtection], options: [.sortedKeys])
    say(String(decoding: line, as: UTF8.self))
    await store.close()
} catch {
    fail("\(error)")
}
