/// Selects persisted grants for ``PersistedGrantStore/grants(matching:)`` and ``PersistedGrantStore/removeGrants(matching:)``.
///
/// Upstream's rules, exactly:
/// - Set fields are AND-ed; each compares exactly (case-sensitive).
/// - nil, empty and whitespace-only scalars mean "not set".
/// - ``clientIds`` non-nil means `clientId IN (clientIds ∪ {clientId if set})`; an empty, non-nil
///   ``clientIds`` matches nothing unless ``clientId`` is set. The same holds for ``types`` / ``type``.
/// - ``familyId`` (not upstream's) selects a refresh-token family: the grants whose ``PersistedGrant/familyId`` it is, and
///   the grant with that key when it has no family (a family of one). An adapter that predates families must not be
///   given it: its store lacks ``StoreCapabilities/refreshTokenFamilies``.
/// - A filter with nothing set is rejected with ``IdentityStorageError/Code-swift.struct/invalidArgument``: it never means "all grants".
/// - ``clientIds`` and ``types`` hold at most ``maxListCount`` values each; a longer list is rejected the same way on
///   every backend (a database refuses a statement with too many parameters, or a request too large, each at its own
///   size), rather than failing on one backend only, as if the server were down.
public struct PersistedGrantFilter: Hashable, Sendable, Codable {
    /// The most values ``clientIds`` or ``types`` may hold: 10,000.
    public static let maxListCount = 10_000

    /// Grants of this user.
    public var subjectId: String?
    /// Grants of this session.
    public var sessionId: String?
    /// Grants of this client (merged into ``clientIds`` when that is set).
    public var clientId: String?
    /// Grants of any of these clients, at most ``maxListCount``.
    public var clientIds: [String]?
    /// Grants of this type (merged into ``types`` when that is set).
    public var type: String?
    /// Grants of any of these types, at most ``maxListCount``.
    public var types: [String]?
    /// A refresh-token family id (see the rules above).
    public var familyId: String?

    /// A filter with the given fields set; validate it with ``validate()`` before use.
    public init(subjectId: String? = nil, sessionId: String? = nil, clientId: String? = nil, clientIds: [String]? = nil,
                type: String? = nil, types: [String]? = nil, familyId: String? = nil) {
        self.subjectId = subjectId
        self.sessionId = sessionId
        self.clientId = clientId
        self.clientIds = clientIds
        self.type = type
        self.types = types
        self.familyId = familyId
    }

    /// Throws when no value is set ("No filter values set.", as upstream) or a value is malformed.
    public func validate() throws(IdentityStorageError) {
        if isBlank(subjectId), isBlank(sessionId), isBlank(clientId), isBlank(type), clientIds == nil, types == nil, isBlank(familyId) {
            throw .invalidArgument("No filter values set: a persisted-grant filter needs at least one of subjectId, sessionId, clientId, clientIds, type, types, familyId")
        }
        for (value, field) in [(subjectId, "filter.subjectId"), (sessionId, "filter.sessionId"), (clientId, "filter.clientId"), (type, "filter.type"),
                               (familyId, "filter.familyId")] {
            if !isBlank(value) { try FieldValidation.key(value!, field) }
        }
        for (list, field) in [(clientIds, "filter.clientIds"), (types, "filter.types")] where (list?.count ?? 0) > Self.maxListCount {
            throw .invalidArgument("\(field) has \(list!.count) values; a filter takes at most \(Self.maxListCount) (query in parts)")
        }
        for value in clientIds ?? [] { try FieldValidation.key(value, "filter.clientIds element") }
        for value in types ?? [] { try FieldValidation.key(value, "filter.types element") }
    }

    /// The filter with blanks removed and the list fields merged, as every adapter applies it.
    /// Call ``validate()`` first.
    public var normalized: Normalized {
        func set(_ value: String?) -> String? { isBlank(value) ? nil : value }
        func merge(_ list: [String]?, _ single: String?) -> Set<ExactString>? {
            guard let list else { return set(single).map { [ExactString($0)] } }
            var merged = Set(list.map(ExactString.init))
            if let single = set(single) { merged.insert(ExactString(single)) }
            return merged
        }
        return Normalized(subjectId: set(subjectId), sessionId: set(sessionId),
                          clientIds: merge(clientIds, clientId), types: merge(types, type), familyId: set(familyId))
    }

    /// A validated filter in its simplest form: each field nil (any value) or the set of accepted values.
    public struct Normalized: Hashable, Sendable {
        /// Nil: any user.
        public var subjectId: String?
        /// Nil: any session.
        public var sessionId: String?
        /// Nil: any client. Empty: no grant matches.
        public var clientIds: Set<ExactString>?
        /// Nil: any type. Empty: no grant matches.
        public var types: Set<ExactString>?
        /// Nil: any family.
        public var familyId: String?

        /// A normalized filter with the given fields.
        public init(subjectId: String? = nil, sessionId: String? = nil, clientIds: Set<ExactString>? = nil, types: Set<ExactString>? = nil,
                    familyId: String? = nil) {
            self.subjectId = subjectId
            self.sessionId = sessionId
            self.clientIds = clientIds
            self.types = types
            self.familyId = familyId
        }

        /// Whether `grant` satisfies every set field.
        public func matches(_ grant: PersistedGrant) -> Bool {
            if let subjectId, !String.exactlyEqual(grant.subjectId, subjectId) { return false }
            if let sessionId, !String.exactlyEqual(grant.sessionId, sessionId) { return false }
            if let clientIds, !clientIds.contains(ExactString(grant.clientId)) { return false }
            if let types, !types.contains(ExactString(grant.type)) { return false }
            if let familyId, !String.exactlyEqual(grant.family, familyId) { return false }
            return true
        }

        /// True when the filter can match nothing (an empty `clientIds` or `types`), so a store may skip the query.
        public var matchesNothing: Bool {
            clientIds?.isEmpty == true || types?.isEmpty == true
        }
    }
}
