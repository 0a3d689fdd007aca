import IdentityStorage

/// The data-protection key ring in memory: an append-only list with store-assigned ids.
public final class MemoryKeyRingStore: KeyRingStore {
    private struct State {
        var elements: [KeyRingElement] = []
        var lastId: Int64 = 0
    }

    private let state: MemoryTable<State>

    /// An empty key ring.
    public init() {
        state = MemoryTable(State())
    }

    public func allElements() async throws -> [KeyRingElement] {
        try state.withLock { state throws(IdentityStorageError) in
            // As on every backend: no store writes an empty element, so one found here was damaged.
            if let bad = state.elements.first(where: { $0.xml.isEmpty }) {
                throw .corruptedData("key-ring element \(bad.id) is empty; refusing to return a partial key ring")
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
            return before - state.elements.count
        }
    }

    private static func append(_ xml: String, _ friendlyName: String?, to state: inout State) -> KeyRingElement {
        state.lastId += 1
        let element = KeyRingElement(id: state.lastId, friendlyName: friendlyName, xml: xml)
        state.elements.append(element)
        return element
    }

    /// Package hook for the conformance suite's corrupted-data case: replaces the element's stored XML.
    package func overwriteStoredXML(ofElement id: Int64, with xml: String) {
        state.withLock { state in
            guard let index = state.elements.firstIndex(where: { $0.id == id }) else { return }
            state.elements[index].xml = xml
        }
    }
}
