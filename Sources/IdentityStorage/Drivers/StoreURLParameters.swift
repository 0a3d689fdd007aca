/// Reads a store URL's query parameters for one driver, with the rules every driver shares:
///
/// - one naming convention: `snake_case` (`pool_size`, `acquire_timeout`). Names are compared
///   case-insensitively, and `-` reads as `_` (`pool-size` is `pool_size`);
/// - a parameter given twice takes its last value;
/// - whole numbers within a stated range; times as `Duration`: seconds (`10`, `0.5`) or a number with
///   a unit (`250ms`, `10s`, `2m`, `1h`), always positive;
/// - ``finish()`` refuses any parameter no read asked for, naming the parameters the driver takes.
///
/// ```swift
/// var parameters = StoreURLParameters(url, driver: "Acme KV")
/// configuration.poolSize = try parameters.integer("pool_size", in: 1...1000) ?? configuration.poolSize
/// configuration.acquireTimeout = try parameters.duration("acquire_timeout") ?? configuration.acquireTimeout
/// try parameters.finish()
/// ```
///
/// Error messages show the URL redacted, never a password.
public struct StoreURLParameters: Sendable {
    private let url: StoreURL
    private let driver: String
    /// Canonical names of the parameters still unread, with their values (last one wins).
    private var unread: [(name: String, written: String, value: String)]
    /// What the driver takes, in the order it asked, for the unknown-parameter message.
    private var accepted: [String] = []

    /// A reader of `url`'s parameters on behalf of `driver` (its name in messages: `"PostgreSQL"`).
    public init(_ url: StoreURL, driver: String) {
        self.url = url
        self.driver = driver
        unread = url.parameters.map { (Self.canonical($0.name), $0.name, $0.value) }
    }

    /// `name` as every driver compares it: lower-case, `-` read as `_`.
    public static func canonical(_ name: String) -> String {
        String(name.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The value of `name` (or of one of its `aliases`), as text.
    public mutating func string(_ name: String, aliases: [String] = []) -> String? {
        take(name, aliases: aliases)?.value
    }

    /// A whole number within `range`.
    public mutating func integer(_ name: String, in range: ClosedRange<Int>, aliases: [String] = []) throws(IdentityStorageError) -> Int? {
        guard let (written, value) = take(name, aliases: aliases) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw invalid(written, value, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A positive time: seconds (`10`, `0.5`) or a number with a unit (`250ms`, `10s`, `2m`, `1h`).
    public mutating func duration(_ name: String, aliases: [String] = []) throws(IdentityStorageError) -> Duration? {
        guard let (written, value) = take(name, aliases: aliases) else { return nil }
        guard let duration = Self.duration(value) else {
            throw invalid(written, value, "a positive time: seconds (10, 0.5) or a number with a unit (250ms, 10s, 2m, 1h)")
        }
        return duration
    }

    /// A yes-or-no: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
    public mutating func boolean(_ name: String, aliases: [String] = []) throws(IdentityStorageError) -> Bool? {
        guard let (written, value) = take(name, aliases: aliases) else { return nil }
        switch value.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw invalid(written, value, "true or false")
        }
    }

    /// One of the raw values of `Choice`, compared as names are (case-insensitively, `-` read as `_`).
    public mutating func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, aliases: [String] = [],
                                                                         as type: Choice.Type = Choice.self) throws(IdentityStorageError) -> Choice?
    where Choice.RawValue == String {
        guard let (written, value) = take(name, aliases: aliases) else { return nil }
        let wanted = Self.canonical(value)
        guard let choice = Choice.allCases.first(where: { Self.canonical($0.rawValue) == wanted }) else {
            throw invalid(written, value, "one of " + Choice.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return choice
    }

    /// The unread parameters that `accepts` takes (checked on the name as written), for a driver that passes
    /// them through to its client library; `described` says what they are in the unknown-parameter message
    /// (`"libpq connection keywords"`).
    public mutating func passThrough(described: String, where accepts: (String) -> Bool) -> [StoreURL.Parameter] {
        accepted.append(described)
        var taken: [StoreURL.Parameter] = []
        unread.removeAll { parameter in
            guard accepts(parameter.written) else { return false }
            taken.append(StoreURL.Parameter(parameter.written, parameter.value))
            return true
        }
        return taken
    }

    /// Throws for the first parameter no read asked for, naming every parameter the driver takes.
    public func finish() throws(IdentityStorageError) {
        guard let first = unread.first else { return }
        let takes = accepted.isEmpty ? "\(driver) takes no parameters" : "\(driver) takes " + accepted.joined(separator: ", ")
        throw .invalidArgument("store URL '\(url)' has parameter '\(first.written)', which \(driver) does not take; \(takes)")
    }

    private mutating func take(_ name: String, aliases: [String]) -> (written: String, value: String)? {
        let names = Set(([name] + aliases).map(Self.canonical))
        accepted.append(name)
        var found: (written: String, value: String)?
        unread.removeAll { parameter in
            guard names.contains(parameter.name) else { return false }
            found = (parameter.written, parameter.value)
            return true
        }
        return found
    }

    private func invalid(_ written: String, _ value: String, _ expected: String) -> IdentityStorageError {
        let shown = StoreURL.isSecret(written) ? "***" : value
        return .invalidArgument("store URL '\(url)' has \(written)=\(shown); \(driver) expects \(expected)")
    }

    /// Parses a positive duration (see ``duration(_:aliases:)``).
    public static func duration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        // At most Int64.max seconds, as `Duration` counts them (beyond, building one traps).
        guard let value = Double(number), value.isFinite, value > 0, value * scale < 9.2e18, !number.contains(where: { $0.isLetter }) else {
            return nil
        }
        let duration = Duration.milliseconds(value * scale * 1000)
        return duration > .zero ? duration : nil
    }
}
