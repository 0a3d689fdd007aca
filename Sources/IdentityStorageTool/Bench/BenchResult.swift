import Foundation
import Histogram

/// One measured workload at one concurrency, with its raw baseline when there is one.
struct BenchResult: Sendable {
    var workload: String
    var concurrency: Int
    var operations: Int
    var seconds: Double
    var histogram: Histogram<UInt64>
    var raw: RawFigures?
    /// Extra figures a workload reports (cleanup rows/s, gets during cleanup).
    var notes: [String: Double] = [:]

    struct RawFigures: Sendable {
        var operations: Int
        var seconds: Double
        var histogram: Histogram<UInt64>
        var opsPerSecond: Double { Double(operations) / seconds }
    }

    var opsPerSecond: Double { Double(operations) / seconds }

    /// Latency percentile in microseconds (the histogram records nanoseconds).
    func micros(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1000 }

    /// Store time per operation over raw time per operation, at equal concurrency.
    var timeOverRaw: Double? { raw.map { $0.opsPerSecond / opsPerSecond } }
    /// Store throughput as a fraction of raw throughput, at equal concurrency.
    var throughputOverRaw: Double? { raw.map { opsPerSecond / $0.opsPerSecond } }

    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "workload": workload, "concurrency": concurrency, "operations": operations,
            "opsPerSecond": round1(opsPerSecond), "p50Micros": round1(micros(50)), "p99Micros": round1(micros(99)),
            "p999Micros": round1(micros(99.9)), "peakRSSMiB": round1(PeakMemory.residentMiB()),
        ]
        if let raw {
            object["raw"] = ["operations": raw.operations, "opsPerSecond": round1(raw.opsPerSecond),
                             "p50Micros": round1(Double(raw.histogram.valueAtPercentile(50)) / 1000),
                             "p99Micros": round1(Double(raw.histogram.valueAtPercentile(99)) / 1000)]
            object["timeOverRaw"] = round3(timeOverRaw ?? 0)
            object["throughputOverRaw"] = round3(throughputOverRaw ?? 0)
        }
        for (key, value) in notes { object[key] = round1(value) }
        return object
    }

    private func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// Peak resident memory of this process (`VmHWM`), the figure the 128 MiB target is about.
enum PeakMemory {
    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }
}

/// The readable table of `idstore bench`.
enum BenchTable {
    static func header() -> String {
        row(["workload", "callers", "ops", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "raw ops/s", "raw p50", "time×raw", "tput×raw", "RSS MiB"])
    }

    static func line(_ result: BenchResult) -> String {
        var cells = [result.workload, "\(result.concurrency)", "\(result.operations)", format(result.opsPerSecond, 0),
                     format(result.micros(50), 1), format(result.micros(99), 1), format(result.micros(99.9), 1)]
        if let raw = result.raw {
            cells += [format(raw.opsPerSecond, 0), format(Double(raw.histogram.valueAtPercentile(50)) / 1000, 1),
                      format(result.timeOverRaw ?? 0, 2), format(result.throughputOverRaw ?? 0, 2)]
        } else {
            cells += ["-", "-", "-", "-"]
        }
        cells.append(format(PeakMemory.residentMiB(), 1))
        var text = row(cells)
        for (key, value) in result.notes.sorted(by: { $0.key < $1.key }) { text += "\n    \(key): \(format(value, 1))" }
        return text
    }

    private static let widths = [26, 7, 8, 9, 8, 8, 9, 10, 8, 8, 8, 7]

    private static func row(_ cells: [String]) -> String {
        zip(cells, widths).enumerated().map { index, pair in
            let (cell, width) = pair
            let padding = String(repeating: " ", count: max(0, width - cell.count))
            return index == 0 ? cell + padding : padding + cell
        }.joined(separator: " ")
    }

    private static func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
}
