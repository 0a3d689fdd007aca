extension IdentityStorageError {
    /// What a store requirement's default implementation throws: the store was written before `requirement` existed
    /// and its backend does not declare `capability`. The code is ``Code-swift.struct/unsupported``, the code of every
    /// missing capability, so a caller handles "this backend cannot do that" once, whatever the reason; the message says
    /// which store lacks which requirement of which capability.
    ///
    /// Every requirement added to a public store protocol after its first release arrives with such a default (see
    /// <doc:AddingAStoreRequirement>), so an adapter written before it keeps compiling:
    ///
    /// ```swift
    /// extension PersistedGrantStore {
    ///     public func removeFamily(_ familyId: String) async throws -> Int {
    ///         throw IdentityStorageError.unimplemented(in: Self.self, capability: .refreshTokenFamilies)
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - requirement: The requirement's name; by default the calling function's, `removeFamily(_:)`.
    ///   - store: The store's type, `Self.self` in a protocol extension: the adapter's own type.
    ///   - capability: The capability a store implementing `requirement` declares.
    public static func unimplemented(_ requirement: String = #function, in store: Any.Type, capability: StoreCapabilities) -> IdentityStorageError {
        IdentityStorageError(.unsupported, "\(store) does not implement \(requirement) (capability: \(capability.names.joined(separator: ", ")))")
    }
}
