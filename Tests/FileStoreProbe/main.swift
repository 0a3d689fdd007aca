// A writer for the `file:` adapter's crash and race tests (Tests/FileTests), run as a process of its own:
//
//   filestore-probe append DIR   appends key-ring elements forever, printing each acknowledged id
//   filestore-probe save DOC     saves clients forever, printing each acknowledged generation
//   filestore-probe race DIR     per line of input (the latest id, or "nil"): appends if that is still the latest
//                                id, printing "won ID" or "lost"
//
// Each line is flushed before the next write starts, so whatever a test reads was acknowledged by the store.
import Foundation
import IdentityStorage
import IdentityStorageFile

/// One line on standard output, written at once (no buffer a kill could lose).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: filestore-probe append|save|race PATH\n".utf8))
    exit(2)
}
let (mode, path) = (arguments[1], arguments[2])
let storage = try await FileIdentityStorage.open(.init(path: path, content: mode == "save" ? .configuration : .keyMaterial))
let stores = storage.makeStores()
let me = ProcessInfo.processInfo.processIdentifier
switch mode {
case "append":
    var count = 0
    while true {
        let element = try await stores.keyRing.storeElement(xml: "<key writer=\"\(me)\" n=\"\(count)\"/>", friendlyName: "w\(me)-\(count)")
        say(String(element.id))
        count += 1
    }
case "save":
    var generation = 0
    while true {
        var client = Client(clientId: "client-\(generation % 20)")
        client.clientName = "generation \(generation)"
        client.redirectUris = Set((0..<20).map { "https://app\($0).example.com/callback/\(generation)" })
        try await stores.clients.saveClient(client)
        say(String(generation))
        generation += 1
    }
case "race":
    while let line = readLine() {
        let latest = Int64(line)
        let element = try await stores.keyRing.storeElement(xml: "<key writer=\"\(me)\"/>", friendlyName: nil, ifLatestIdIs: latest)
        say(element.map { "won \($0.id)" } ?? "lost")
    }
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(2)
}
