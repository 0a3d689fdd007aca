import IdentityStorage
import Synchronization

/// The data-protection key ring in memory: an append-only list with store-assigned ids.
public final class MemoryKeyRingStore: KeyRingStore {
    private struct State {
        var elements: [KeyRingElement] = []
        var lastId: Int64 = 0
        var corrupted: Set<Int64> = []
    }

    private let state = Mutex(State())

    public init() {}

    public func allElements() async throws -> [KeyRingElement] {
        try state.withLock { state throws(IdentityStorageError) in
            if let bad = state.elements.first(where: { state.corrupted.contains($0.id) }) {
                throw .corruptedData("key-ring element \(bad.id) is unreadable; refusing to return a partial key ring")
            }
            return state.elements
        }
    }

    @discardableResult
    public func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        return state.withLock { state in Self.append(xml, friendlyName, to: &state) }
    }

    public func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        return state.withLock { state in
            guard state.elements.last?.id == expectedLatestId else { return nil }
            return Self.append(xml, friendlyName, to: &state)
        }
    }

    @discardableResult
    public func deleteElements(withIds ids: [Int64]) async throws -> Int {
        let doomed = Set(ids)
        return state.withLock { state in
            let before = state.elements.count
            state.elements.removeAll { doomed.contains($0.id) }
            state.corrupted.subtract(doomed)
            return before - state.elements.count
        }
    }

    private static func append(_ xml: String, _ friendlyName: String?, to state: inout State) -> KeyRingElement {
        state.lastId += 1
        let element = KeyRingElement(id: state.lastId, friendlyName: friendlyName, xml: xml)
        state.elements.append(element)
        return element
    }

    /// Test hook: marks the element as unreadable.
    @_spi(Testing)
    public func corrupt(elementId: Int64) {
        _ = state.withLock { $0.corrupted.insert(elementId) }
    }
}
