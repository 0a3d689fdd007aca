import IdentityStorage

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

/// Fails the case unless `body` throws an ``IdentityStorageError`` with `code`.
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
/// Use it for race cases: all tasks start together and contend for the same keys.
public func race<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
    try await withThrowingTaskGroup(of: (Int, T).self) { group in
        for index in 0..<count {
            group.addTask { (index, try await body(index)) }
        }
        var results = [T?](repeating: nil, count: count)
        for try await (index, value) in group { results[index] = value }
        return results.map { $0! }
    }
}
