import Foundation

/// Writes what `JSONSerialization` reads (dictionaries, arrays, strings, numbers, booleans, null) as pretty JSON with
/// every object's keys sorted: the same value always gives the same bytes, so documents diff cleanly.
///
/// `JSONSerialization`'s own `.sortedKeys` compares keys with locale-aware collation, which cost most of the time
/// of every write of a configuration document of a few hundred clients.
package enum StableJSON {
    /// `value` as UTF-8 JSON, two spaces per level, `/` not escaped.
    package static func data(_ value: Any) throws -> Data {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        try write(value, indent: 0, to: &output)
        return Data(output)
    }

    private static func write(_ value: Any, indent: Int, to output: inout [UInt8]) throws {
        switch value {
        case let object as [String: Any]:
            guard !object.isEmpty else { return output.append(contentsOf: "{}".utf8) }
            output.append(contentsOf: "{\n".utf8)
            for (index, key) in object.keys.sorted().enumerated() {
                pad(indent + 2, &output)
                write(string: key, to: &output)
                output.append(contentsOf: ": ".utf8)
                try write(object[key]!, indent: indent + 2, to: &output)
                output.append(contentsOf: (index == object.count - 1 ? "\n" : ",\n").utf8)
            }
            pad(indent, &output)
            output.append(UInt8(ascii: "}"))
        case let array as [Any]:
            guard !array.isEmpty else { return output.append(contentsOf: "[]".utf8) }
            output.append(contentsOf: "[\n".utf8)
            for (index, element) in array.enumerated() {
                pad(indent + 2, &output)
                try write(element, indent: indent + 2, to: &output)
                output.append(contentsOf: (index == array.count - 1 ? "\n" : ",\n").utf8)
            }
            pad(indent, &output)
            output.append(UInt8(ascii: "]"))
        case let text as String:
            write(string: text, to: &output)
        case is NSNull:
            output.append(contentsOf: "null".utf8)
        case let number as NSNumber:
            output.append(contentsOf: text(of: number).utf8)
        case let flag as Bool:
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        default:
            throw IdentityStorageError.invalidArgument("a \(type(of: value)) cannot be written as JSON")
        }
    }

    /// A number as JSON: booleans (`NSNumber`'s type `c`) as `true`/`false`, integers exactly, others as Swift prints
    /// a `Double` (`1.5`, `1e-06`).
    private static func text(of number: NSNumber) -> String {
        switch String(cString: number.objCType) {
        case "c", "B": return number.boolValue ? "true" : "false"
        case "f", "d": return "\(number.doubleValue)"
        case "Q", "L", "I", "S", "C": return "\(number.uint64Value)"
        default: return "\(number.int64Value)"
        }
    }

    private static func pad(_ count: Int, _ output: inout [UInt8]) {
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }

    private static func write(string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: string.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
            case 0x0A: output.append(contentsOf: "\\n".utf8)
            case 0x0D: output.append(contentsOf: "\\r".utf8)
            case 0x09: output.append(contentsOf: "\\t".utf8)
            case 0..<0x20: output.append(contentsOf: String(format: "\\u%04x", byte).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
