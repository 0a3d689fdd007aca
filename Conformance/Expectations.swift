import IdentityStorage
import Synchronization

/// Fails the case unless `condition` holds.
public func expect(_ condition: Bool, _ message: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws {
    if !condition { throw ConformanceFailure(message(), file: file, line: line) }
}

/// Fails the case unless `actual == expected`, showing both.
public func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: @autoclosure () -> String,
                                      file: String = #fileID, line: Int = #line) throws {
    if actual != expected {
        throw ConformanceFailure("\(what()): expected \(expected), got \(actual)", file: file, line: line)
    }
}

/// Fails the case unless `value` is nil.
public func expectNil<T>(_ value: T?, _ what: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws {
    if let value { throw ConformanceFailure("\(what()): expected nil, got \(value)", file: file, line: line) }
}

/// Unwraps `value` or fails the case.
public func expectValue<T>(_ value: T?, _ what: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws -> T {
    guard let value else { throw ConformanceFailure("\(what()): expected a value, got nil", file: file, line: line) }
    return value
}

/// Fails the case unless `body` throws an `IdentityStorageError` with `code`.
public func expectError<T>(_ code: IdentityStorageError.Code, _ what: @autoclosure () -> String,
                           file: String = #fileID, line: Int = #line, _ body: () async throws -> T) async throws {
    do {
        let value = try await body()
        throw ConformanceFailure("\(what()): expected error '\(code)', got success \(value)", file: file, line: line)
    } catch let error as IdentityStorageError {
        if error.code != code {
            throw ConformanceFailure("\(what()): expected error '\(code)', got '\(error.code)': \(error.message)", file: file, line: line)
        }
    }
}

/// Runs `body` in `count` concurrent tasks and returns their results in task order.
/// Use it for race cases: all tasks start together and contend for the same keys. A start line holds every
/// task until all `count` exist, so early tasks cannot finish before later ones are even created (without it,
/// a deliberately non-atomic primitive was caught only about half the time on two cores).
public func race<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
    let start = RaceStartLine(count)
    return try await withThrowingTaskGroup(of: (Int, T).self) { group in
        for index in 0..<count {
            group.addTask {
                await start.arrive()
                return (index, try await body(index))
            }
        }
        var results = [T?](repeating: nil, count: count)
        for try await (index, value) in group { results[index] = value }
        return results.map { $0! }
    }
}

/// The start line of ``race(_:_:)``: each task waits here until the last one arrives, then all go at once.
/// Not an actor: tasks resumed from an actor method leave it one at a time instead of together.
private final class RaceStartLine: Sendable {
    private struct State {
        var missing: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    // The Mutex guards the count and the parked continuations; each continuation is resumed exactly once, outside the lock.
    private let state: Mutex<State>

    init(_ count: Int) {
        state = Mutex(State(missing: count))
    }

    func arrive() async {
        await withCheckedContinuation { (arrival: CheckedContinuation<Void, Never>) in
            let released: [CheckedContinuation<Void, Never>] = state.withLock { state in
                state.missing -= 1
                state.waiting.append(arrival)
                guard state.missing == 0 else { return [] }
                defer { state.waiting = [] }
                return state.waiting
            }
            for task in released { task.resume() }
        }
    }
}
