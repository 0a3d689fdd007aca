import Foundation
import IdentityStorage
import IdentityStorageConformance

/// What one `idstore check` run found: each case's outcome, for the table, `--junit` and `--json`.
struct CheckReport: Sendable {
    struct Entry: Sendable {
        let name: String
        let outcome: ConformanceOutcome

        /// The store group of the case: the first part of its name (`clients` of `clients.find.missing-is-nil`).
        var group: String { String(name.prefix { $0 != "." }) }

        var seconds: Double {
            switch outcome {
            case .passed(let duration), .failed(_, let duration): duration.inSeconds
            case .skipped: 0
            }
        }
    }

    /// The deployment checked, redacted.
    let store: String
    var entries: [Entry] = []
    var seconds = 0.0

    var passed: Int { entries.count { $0.outcome.isPassed } }
    var failed: Int { entries.count { if case .failed = $0.outcome { true } else { false } } }
    var skipped: Int { entries.count { if case .skipped = $0.outcome { true } else { false } } }

    /// The `--json` line of one case: `{"case", "group", "result", "seconds", "message"}`.
    static func jsonLine(_ entry: Entry) throws -> String {
        var object: [String: Any] = ["case": entry.name, "group": entry.group, "seconds": entry.seconds]
        switch entry.outcome {
        case .passed: object["result"] = "passed"
        case .failed(let message, _): object["result"] = "failed"; object["message"] = message
        case .skipped(let reason): object["result"] = "skipped"; object["message"] = reason
        }
        return try json(object)
    }

    /// The last `--json` line: `{"summary": {"store", "cases", "passed", "failed", "skipped", "seconds"}}`.
    func jsonSummary() throws -> String {
        try Self.json(["summary": ["store": store, "cases": entries.count, "passed": passed, "failed": failed,
                                   "skipped": skipped, "seconds": seconds] as [String: Any]])
    }

    private static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
