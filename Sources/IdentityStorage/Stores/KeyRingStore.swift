/// The data-protection key ring (ASP.NET Core `IXmlRepository` / `IDeletableXmlRepository`).
public protocol KeyRingStore: Sendable {
    /// Every element in insertion order. All or nothing: one unreadable element fails the whole call
    /// with ``IdentityStorageError/Code-swift.struct/corruptedData`` (it may hold a revocation).
    func allElements() async throws -> [KeyRingElement]

    /// Appends an element and returns it with its store-assigned id.
    @discardableResult
    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement

    /// Appends an element only if the newest element's id is still `expectedLatestId` (nil: the ring is empty).
    /// Returns the stored element, or nil when another instance appended first.
    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement?

    /// Deletes the elements with these ids; returns how many existed and were deleted.
    @discardableResult
    func deleteElements(withIds ids: [Int64]) async throws -> Int
}
