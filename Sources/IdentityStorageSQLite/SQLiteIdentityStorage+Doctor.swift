import CSQLite3
import Foundation
import IdentityStorage
import IdentityStorageSQL

/// What `idstore doctor` checks on SQLite: the library, the journal mode, and the file system under the file.
extension SQLiteIdentityStorage: StoreDiagnosing {
    public func diagnose() async throws -> [Diagnosis] {
        let path = configuration.path
        let journal = try await database.write { connection in
            try connection.query("PRAGMA journal_mode", []) { try $0.text(0) }.first ?? "?"
        }
        var findings = [
            Diagnosis("library", found: "SQLite \(String(cString: sqlite3_libversion()))"),
        ]
        if path != ":memory:" {
            findings.append(Diagnosis("journal mode", found: journal, fix: journal.lowercased() == "wal" ? nil
                : "readers and the writer need WAL: open the store with migrations (idstore migrate) to set it"))
            let fileSystem = Self.fileSystem(of: path)
            findings.append(Diagnosis("file system", found: fileSystem, fix: ["nfs", "cifs", "smb", "9p", "fuse"].contains(where: fileSystem.hasPrefix)
                ? "WAL needs shared memory between the processes on one host: keep the database on a local file system" : nil))
        }
        findings.append(SchemaStatus.diagnosis(try await schemaStatus()))
        return findings
    }

    /// The type of the file system that holds `path`, from /proc/mounts (the longest mount point above it).
    private static func fileSystem(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath + "/" + path)
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "unknown" }
        var best = (point: "", type: "unknown")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1])
            if absolute.hasPrefix(point), point.count > best.point.count { best = (point, String(fields[2])) }
        }
        return best.type
    }
}
