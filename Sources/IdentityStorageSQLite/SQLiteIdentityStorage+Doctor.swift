import CSQLite3
import Foundation
import IdentityStorage
import IdentityStorageSQL

/// What `idstore doctor` checks on SQLite: the library, the journal mode, whether this process may write the file, and the
/// file system under the file.
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
            let unjournaled = ["memory", "off"].contains(journal.lowercased())
            findings.append(Diagnosis("journal mode", found: journal, fix: journal.lowercased() == "wal" ? nil
                : "readers and the writer need WAL: open the store with migrations (idstore migrate) to set it"
                    + (unjournaled ? " (with \(journal.uppercased()) a crash in the middle of a transaction corrupts the database)" : "")))
            // A setting of each connection, not of the file: the store's own connections always use NORMAL.
            findings.append(Diagnosis("synchronous", found: "NORMAL on the store's connections (in WAL mode a crash of the process loses no "
                + "commit; a crash of the operating system or a power loss may lose the last ones, never corrupts the file)"))
            findings.append(Self.fileAccessDiagnosis(path))
            let fileSystem = Self.fileSystem(of: path)
            findings.append(Diagnosis("file system", found: fileSystem, fix: ["nfs", "cifs", "smb", "9p", "fuse"].contains(where: fileSystem.hasPrefix)
                ? "WAL needs shared memory between the processes on one host: keep the database on a local file system" : nil))
        }
        findings.append(SchemaStatus.diagnosis(try await schemaStatus()))
        return findings
    }

    /// Whether this process may write the database, its `-wal` and `-shm` files and their directory (SQLite opens a
    /// file it may not write read-only, and every write then fails with `permissionDenied`).
    private static func fileAccessDiagnosis(_ path: String) -> Diagnosis {
        let directory = (path as NSString).deletingLastPathComponent
        let files = [path, path + "-wal", path + "-shm"].filter { FileManager.default.fileExists(atPath: $0) } + [directory.isEmpty ? "." : directory]
        let unwritable = files.filter { !FileManager.default.isWritableFile(atPath: $0) }
        return Diagnosis("file access", found: unwritable.isEmpty ? "this process may write the database and its directory"
                            : "this process may not write \(unwritable.joined(separator: ", "))",
                         fix: unwritable.isEmpty ? nil : "every write fails with permissionDenied: give this process's user write access to them "
                            + "(a file made immutable with chattr +i refuses even root)")
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
