import Foundation

/// Clients, resources and identity providers as one JSON document: the format of `idstore import`
/// and `idstore export` (see `Examples/configuration.json`).
///
/// Format: an object with optional arrays `clients`, `identityResources`, `apiScopes`, `apiResources`,
/// `identityProviders`. Each item uses the model's property names; any property left out takes
/// upstream's default (only `clientId`, `name` or `scheme` are required). Sets are JSON arrays,
/// instants are ISO 8601 strings with up to six fractional digits (microseconds, as stores keep them), enums are their upstream integers
/// (`refreshTokenUsage`: 0 re-use, 1 one-time; `refreshTokenExpiration`: 0 sliding, 1 absolute;
/// `accessTokenType`: 0 JWT, 1 reference; `dPoPValidationMode`: flags 1 iat, 2 nonce).
/// Unknown properties are rejected, so a typo never passes silently.
public struct ConfigurationDocument: Hashable, Sendable {
    /// The clients, in document order.
    public var clients: [Client] = []
    /// The identity resources, in document order.
    public var identityResources: [IdentityResource] = []
    /// The API scopes, in document order.
    public var apiScopes: [ApiScope] = []
    /// The API resources, in document order.
    public var apiResources: [ApiResource] = []
    /// The identity providers, in document order.
    public var identityProviders: [IdentityProvider] = []

    /// A document holding the given items.
    public init(clients: [Client] = [], identityResources: [IdentityResource] = [], apiScopes: [ApiScope] = [],
                apiResources: [ApiResource] = [], identityProviders: [IdentityProvider] = []) {
        self.clients = clients
        self.identityResources = identityResources
        self.apiScopes = apiScopes
        self.apiResources = apiResources
        self.identityProviders = identityProviders
    }

    /// How many items the document holds.
    public var itemCount: Int {
        clients.count + identityResources.count + apiScopes.count + apiResources.count + identityProviders.count
    }

    // MARK: Reading and writing JSON

    /// Parses and validates a document. Every problem is an ``IdentityStorageError/Code-swift.struct/invalidArgument``
    /// naming the item (`clients[3] (spa)`) and the property.
    public init(json data: Data) throws(IdentityStorageError) {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidArgument("not valid JSON: \(Self.describe(error))")
        }
        guard let object = root as? [String: Any] else { throw .invalidArgument("the document must be a JSON object") }
        let known = Set(Self.lists.map(\.name))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidArgument("unknown top-level property '\(unknown)'; expected \(known.sorted().joined(separator: ", "))")
        }
        clients = try Self.items(object, "clients", idKey: "clientId") { Client(clientId: $0) }
        identityResources = try Self.items(object, "identityResources", idKey: "name") { IdentityResource(name: $0) }
        apiScopes = try Self.items(object, "apiScopes", idKey: "name") { ApiScope(name: $0) }
        apiResources = try Self.items(object, "apiResources", idKey: "name") { ApiResource(name: $0) }
        identityProviders = try Self.items(object, "identityProviders", idKey: "scheme") { IdentityProvider(scheme: $0) }
        try validate()
    }

    /// The document as pretty, stable JSON (sorted keys, sorted arrays), ready to import again.
    public func json() throws -> Data {
        var object: [String: Any] = [:]
        func add<T: Encodable>(_ name: String, _ items: [T], id: (T) -> String) throws {
            object[name] = try items.sorted { ExactString(id($0)) < ExactString(id($1)) }.map { try Self.jsonObject($0) }
        }
        try add("clients", clients) { $0.clientId }
        try add("identityResources", identityResources) { $0.name }
        try add("apiScopes", apiScopes) { $0.name }
        try add("apiResources", apiResources) { $0.name }
        try add("identityProviders", identityProviders) { $0.scheme }
        return try Self.data(object)
    }

    /// Checks every item and that no id appears twice within one list.
    public func validate() throws(IdentityStorageError) {
        func check<T>(_ list: String, _ items: [T], id: (T) -> String, _ validate: (T) throws(IdentityStorageError) -> Void) throws(IdentityStorageError) {
            var seen = Set<ExactString>()
            for (index, item) in items.enumerated() {
                do {
                    try validate(item)
                } catch {
                    throw .invalidArgument("\(list)[\(index)] (\(id(item))): \(error.message)")
                }
                if !seen.insert(ExactString(id(item))).inserted {
                    throw .invalidArgument("\(list)[\(index)]: '\(id(item))' appears more than once")
                }
            }
        }
        try check("clients", clients, id: \.clientId) { (item: Client) throws(IdentityStorageError) in try item.validate() }
        try check("identityResources", identityResources, id: \.name) { (item: IdentityResource) throws(IdentityStorageError) in try item.validate() }
        try check("apiScopes", apiScopes, id: \.name) { (item: ApiScope) throws(IdentityStorageError) in try item.validate() }
        try check("apiResources", apiResources, id: \.name) { (item: ApiResource) throws(IdentityStorageError) in try item.validate() }
        try check("identityProviders", identityProviders, id: \.scheme) { (item: IdentityProvider) throws(IdentityStorageError) in try item.validate() }
    }

    // MARK: Stores

    /// Writes every item (upserts, so importing twice changes nothing). Validates everything first,
    /// so an invalid document writes nothing.
    public func save(to stores: IdentityStores) async throws {
        try validate()
        for item in identityResources { try await stores.resources.saveIdentityResource(item) }
        for item in apiScopes { try await stores.resources.saveApiScope(item) }
        for item in apiResources { try await stores.resources.saveApiResource(item) }
        for item in identityProviders { try await stores.identityProviders.saveIdentityProvider(item) }
        for item in clients { try await stores.clients.saveClient(item) }
    }

    /// Everything the stores hold.
    public static func load(from stores: IdentityStores) async throws -> ConfigurationDocument {
        var document = ConfigurationDocument()
        var cursor: String?
        repeat {
            let page = try await stores.clients.listClients(after: cursor, limit: 500)
            document.clients += page.clients
            cursor = page.nextCursor
        } while cursor != nil
        let resources = try await stores.resources.allResources()
        document.identityResources = resources.identityResources
        document.apiScopes = resources.apiScopes
        document.apiResources = resources.apiResources
        for name in try await stores.identityProviders.allSchemeNames() {
            if let provider = try await stores.identityProviders.identityProvider(forScheme: name.scheme) {
                document.identityProviders.append(provider)
            }
        }
        return document
    }

    // MARK: Helpers

    /// Decodes each item over the JSON of a default instance, so left-out properties keep their defaults.
    private static func items<T: Codable>(_ object: [String: Any], _ list: String, idKey: String,
                                          defaults: (String) -> T) throws(IdentityStorageError) -> [T] {
        guard let value = object[list] else { return [] }
        guard let array = value as? [Any] else { throw .invalidArgument("'\(list)' must be an array") }
        return try array.enumerated().map { index, element throws(IdentityStorageError) in
            try item(element, in: list, at: index, idKey: idKey, defaults: defaults)
        }
    }

    /// One item of `list` from its JSON object: left-out properties take the defaults, an unknown property or a
    /// value of the wrong type is an ``IdentityStorageError/Code-swift.struct/invalidArgument`` naming the item.
    package static func item<T: Codable>(_ element: Any, in list: String, at index: Int, idKey: String,
                                         defaults: (String) -> T) throws(IdentityStorageError) -> T {
        guard let item = element as? [String: Any] else { throw .invalidArgument("\(list)[\(index)] must be an object") }
        guard let id = item[idKey] as? String else { throw .invalidArgument("\(list)[\(index)] needs a string '\(idKey)'") }
        do {
            guard var merged = try JSONSerialization.jsonObject(with: try encoder().encode(defaults(id))) as? [String: Any] else {
                throw IdentityStorageError.invalidArgument("internal: default \(T.self) is not an object")
            }
            for (key, value) in item {
                guard merged.keys.contains(key) || isOptionalProperty(key, of: T.self) else {
                    throw IdentityStorageError.invalidArgument("unknown property '\(key)'")
                }
                merged[key] = value
            }
            return try decoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: merged))
        } catch let error as IdentityStorageError {
            throw .invalidArgument("\(list)[\(index)] (\(id)): \(error.message)")
        } catch {
            throw .invalidArgument("\(list)[\(index)] (\(id)): \(describe(error))")
        }
    }

    /// An item as the document writes it: a JSON object with its arrays sorted, and `null` for every property that
    /// is nil, so that reading it back does not put the property's default in its place.
    package static func jsonObject<T: Encodable>(_ item: T) throws -> Any {
        let encoded = sortArrays(try JSONSerialization.jsonObject(with: try encoder().encode(item)))
        guard var object = encoded as? [String: Any] else { return encoded }
        for child in Mirror(reflecting: item).children {
            let value = Mirror(reflecting: child.value)
            if let label = child.label, object[label] == nil, value.displayStyle == .optional, value.children.isEmpty {
                object[label] = NSNull()
            }
        }
        return object
    }

    /// A document object as pretty, stable JSON.
    package static func data(_ object: [String: Any]) throws -> Data {
        try StableJSON.data(object)
    }

    /// The lists of a document, with the property that names each item.
    package static let lists: [(name: String, idKey: String)] = [
        ("clients", "clientId"), ("identityResources", "name"), ("apiScopes", "name"), ("apiResources", "name"), ("identityProviders", "scheme"),
    ]

    /// Optional properties are absent from a default instance's JSON; accept them by name.
    private static func isOptionalProperty<T>(_ key: String, of type: T.Type) -> Bool {
        guard let instance = placeholder(type) else { return false }
        return Mirror(reflecting: instance).children.contains { $0.label == key }
    }

    private static func placeholder<T>(_ type: T.Type) -> Any? {
        switch type {
        case is Client.Type: return Client(clientId: "")
        case is IdentityResource.Type: return IdentityResource(name: "")
        case is ApiScope.Type: return ApiScope(name: "")
        case is ApiResource.Type: return ApiResource(name: "")
        case is IdentityProvider.Type: return IdentityProvider(scheme: "")
        default: return nil
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            return "property '\(path(context))' must be \(type)"
        case DecodingError.keyNotFound(let key, _):
            return "missing property '\(key.stringValue)'"
        case DecodingError.dataCorrupted(let context):
            return "property '\(path(context))': \(context.debugDescription)"
        default:
            return (error as NSError).localizedDescription
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(isoText(date))
        }
        return encoder
    }

    private static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = isoDate(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an ISO 8601 date"))
            }
            return date
        }
        return decoder
    }

    /// `2026-12-04T05:20:00.123456Z`: UTC, six fractional digits, the precision stores keep.
    static func isoText(_ date: Date) -> String {
        let (seconds, micros) = date.microsecondsSince1970.floorDividedBy(1_000_000)
        let whole = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)   // 2026-12-04T05:20:00Z
        let digits = String(micros)
        return whole.dropLast() + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }

    /// An ISO 8601 instant with any number of fractional digits (the first six count) and any zone.
    static func isoDate(_ text: String) -> Date? {
        guard let dot = text.firstIndex(of: ".") else { return try? Date.ISO8601FormatStyle().parse(text) }
        let fraction = text[text.index(after: dot)...].prefix(while: \.isASCIIDigit)
        guard !fraction.isEmpty, let base = try? Date.ISO8601FormatStyle().parse(String(text[..<dot]) + text[fraction.endIndex...]) else {
            return nil
        }
        let micros = Int64(String((fraction + "00000").prefix(6)))!
        return Date(microsecondsSince1970: base.microsecondsSince1970.addingSaturating(micros))
    }

    /// Sorts arrays (sets encode in random order) so exports are stable and diffable.
    private static func sortArrays(_ value: Any) -> Any {
        if let object = value as? [String: Any] { return object.mapValues(sortArrays) }
        if let array = value as? [Any] {
            // Each element's key once: computed in the comparison, it serialised every element about log2(n) times
            // (10,000 claims took seconds to save).
            return array.map { element in
                let sorted = sortArrays(element)
                return (key: sortKey(sorted), element: sorted)
            }.sorted { $0.key < $1.key }.map(\.element)
        }
        return value
    }

    private static func sortKey(_ value: Any) -> String {
        if let text = value as? String { return text }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}

extension Int64 {
    /// Quotient rounded down and the non-negative remainder (instants before 1970 keep a positive fraction).
    fileprivate func floorDividedBy(_ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
