import Synchronization

/// One value that a harness sets when it makes a case's stores and reads when the case asks for more (its corrupter).
public final class Slot<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    public init() {}

    /// The value set last, if any.
    public var current: Value? { value.withLock { $0 } }

    public func set(_ newValue: Value) { value.withLock { $0 = newValue } }

    /// The value, leaving the slot empty.
    public func take() -> Value? { value.withLock { $0.take() } }
}
