/// A ``CheckReport`` as JUnit XML, the format GitHub, GitLab, Jenkins and Buildkite render: one `testsuite` per store
/// group, one `testcase` per conformance case, failures with their message, skips as `skipped`, times in seconds.
enum JUnitReport {
    static func xml(_ report: CheckReport) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites name=\"idstore check\" tests=\"\(report.entries.count)\" failures=\"\(report.failed)\" errors=\"0\" "
            + "skipped=\"\(report.skipped)\" time=\"\(seconds(report.seconds))\">\n"
        var groups: [(name: String, entries: [CheckReport.Entry])] = []
        for entry in report.entries {
            if groups.last?.name == entry.group { groups[groups.count - 1].entries.append(entry) } else { groups.append((entry.group, [entry])) }
        }
        for group in groups {
            let failures = group.entries.count { if case .failed = $0.outcome { true } else { false } }
            let skipped = group.entries.count { if case .skipped = $0.outcome { true } else { false } }
            let time = group.entries.reduce(0) { $0 + $1.seconds }
            xml += "  <testsuite name=\"\(escape(group.name))\" tests=\"\(group.entries.count)\" failures=\"\(failures)\" errors=\"0\" "
                + "skipped=\"\(skipped)\" time=\"\(seconds(time))\">\n"
            xml += "    <properties><property name=\"store\" value=\"\(escape(report.store))\"/></properties>\n"
            for entry in group.entries {
                let opening = "    <testcase name=\"\(escape(entry.name))\" classname=\"\(escape(group.name))\" time=\"\(seconds(entry.seconds))\""
                switch entry.outcome {
                case .passed:
                    xml += opening + "/>\n"
                case .failed(let message, _):
                    xml += opening + ">\n      <failure message=\"\(escape(firstLine(message)))\" type=\"failure\">\(escape(message))</failure>\n    </testcase>\n"
                case .skipped(let reason):
                    xml += opening + ">\n      <skipped message=\"\(escape(reason))\"/>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private static func seconds(_ value: Double) -> String {
        let micros = Int((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    private static func firstLine(_ text: String) -> String {
        String(text.prefix { $0 != "\n" })
    }

    /// Text for an XML attribute or element: the five entities escaped, and characters XML 1.0 forbids dropped.
    private static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\n": escaped += "&#10;"
            case "\t": escaped += "&#9;"
            default:
                let value = scalar.value
                if value >= 0x20 && !(0xFFFE...0xFFFF).contains(value) { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }
}
