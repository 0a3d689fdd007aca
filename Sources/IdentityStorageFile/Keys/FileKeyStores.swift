import Foundation
import IdentityStorage

/// The data-protection key ring of a `file:` key directory (see ``KeyDirectory`` for the layout).
struct FileKeyRingStore: KeyRingStore {
    let directory: KeyDirectory

    func allElements() async throws -> [KeyRingElement] {
        try await directory.read { files in
            var elements: [KeyRingElement] = []
            for id in try files.elementIds() {
                // An element deleted while we list is skipped: its XML goes first, then its name.
                guard let xml = try FileSystem.contents(files.element(id, "xml")) else { continue }
                let name = try FileSystem.contents(files.element(id, "name"))
                if name == nil, FileSystem.kind(of: files.element(id, "xml")) == .missing { continue }
                guard let text = String(validating: xml.bytes, as: UTF8.self), !text.isEmpty else {
                    throw IdentityStorageError.corruptedData("\(files.element(id, "xml")) is empty or not UTF-8; refusing to return a partial key ring")
                }
                var friendlyName: String?
                if let name {
                    guard let decoded = String(validating: name.bytes, as: UTF8.self) else {
                        throw IdentityStorageError.corruptedData("\(files.element(id, "name")) is not UTF-8; refusing to return a partial key ring")
                    }
                    friendlyName = decoded
                }
                elements.append(KeyRingElement(id: id, friendlyName: friendlyName, xml: text))
            }
            return elements
        }
    }

    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        return try await directory.write { files in try Self.append(xml, friendlyName, to: files) }
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        return try await directory.write { files in
            guard try files.elementIds().last == expectedLatestId else { return nil }
            return try Self.append(xml, friendlyName, to: files)
        }
    }

    func deleteElements(withIds ids: [Int64]) async throws -> Int {
        if ids.isEmpty { return 0 }
        return try await directory.write { files in
            var removed = 0
            for id in Set(ids) where try FileSystem.remove(files.element(id, "xml")) {
                _ = try FileSystem.remove(files.element(id, "name"))
                removed += 1
            }
            try FileSystem.synchronizeDirectory(files.directory)
            return removed
        }
    }

    /// Writes the next element: its id first, then its name, then its XML (the element appears with the XML).
    private static func append(_ xml: String, _ friendlyName: String?, to files: KeyDirectory.Files) throws -> KeyRingElement {
        let id = try files.nextElementId()
        if let friendlyName { try FileSystem.replace(files.element(id, "name"), with: Array(friendlyName.utf8)) }
        try FileSystem.replace(files.element(id, "xml"), with: Array(xml.utf8))
        return KeyRingElement(id: id, friendlyName: friendlyName, xml: xml)
    }
}

/// The signing keys of a `file:` key directory, one JSON file each.
struct FileSigningKeyStore: SigningKeyStore {
    let directory: KeyDirectory

    func loadKeys() async throws -> [SerializedKey] {
        try await directory.read { files in try Self.keys(in: files) }.sorted { ExactString($0.id) < ExactString($1.id) }
    }

    func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        let stored = key.atStoragePrecision
        try await directory.write { files in try Self.create(stored, in: files) }
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        try FieldValidation.threshold(threshold, "ifNoKeyCreatedAfter")
        let stored = key.atStoragePrecision
        return try await directory.write { files in
            if try Self.keys(in: files).contains(where: { $0.created > threshold }) { return false }
            try Self.create(stored, in: files)
            return true
        }
    }

    func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return try await directory.write { files in
            let removed = try FileSystem.remove(files.signingKey(id))
            if removed { try FileSystem.synchronizeDirectory(files.directory) }
            return removed
        }
    }

    private static func keys(in files: KeyDirectory.Files) throws -> [SerializedKey] {
        try files.signingKeyFiles().compactMap { path in
            // A key deleted while we list is skipped.
            guard let file = try FileSystem.contents(path) else { return nil }
            return try StorageJSON.decode(SerializedKey.self, from: String(decoding: file.bytes, as: UTF8.self), what: path)
        }
    }

    private static func create(_ key: SerializedKey, in files: KeyDirectory.Files) throws {
        let path = files.signingKey(key.id)
        guard FileSystem.kind(of: path) == .missing else {
            throw IdentityStorageError.duplicate("a signing key with id \(key.id) is already stored")
        }
        try FileSystem.replace(path, with: Array(try StorageJSON.string(key).utf8))
    }
}
