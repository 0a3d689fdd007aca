import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageKeys

/// `idstore keys list`: every key with its dates and status; never key bytes. Needs no key-encryption key.
struct KeysList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the signing keys and data-protection keys: id, kind, algorithm, dates, status and storage (never key bytes).")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print one JSON object per key instead of a table.")
    var json = false

    func run() async throws {
        try await options.withKeyStore { stores in
            let keys = try ToolKeyManagement(stores, keyEncryption: nil)
            var rows: [[String: String]] = []
            for key in try await keys.signingKeys.keys() {
                rows.append(["id": key.id, "kind": "signing", "algorithm": key.algorithm, "created": KeyDates.format(key.created),
                             "activation": key.status == .foreign ? "-" : KeyDates.format(key.activation),
                             "expiration": key.status == .foreign ? "-" : KeyDates.format(key.expiration), "status": key.status.rawValue,
                             "storage": key.protected ? "protected" : "clear"])
            }
            let now = Date()
            for key in try await keys.dataProtector.keys() {
                // Several storages while a rewrap is under way: one copy per key-encryption key.
                let storage = key.keyEncryptionKeyIds.map { $0 ?? "clear" }.joined(separator: "+")
                let status = key.status(at: now).rawValue
                rows.append(["id": key.id.uuidString.lowercased(), "kind": "data-protection", "algorithm": "AES-256-GCM",
                             "created": KeyDates.format(key.created), "activation": KeyDates.format(key.activation),
                             "expiration": KeyDates.format(key.expiration), "status": status, "storage": storage])
            }
            let columns = ["kind", "id", "algorithm", "created", "activation", "expiration", "status", "storage"]
            if json {
                for row in rows {
                    Terminal.print(String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self))
                }
                return
            }
            let widths = columns.map { column in ([column] + rows.map { $0[column] ?? "" }).map(\.count).max()! }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
            }
            Terminal.print(line(columns))
            for row in rows { Terminal.print(line(columns.map { row[$0] ?? "" })) }
            if rows.isEmpty { Terminal.print("(no keys: servers create them on first use)") }
        }
    }
}
