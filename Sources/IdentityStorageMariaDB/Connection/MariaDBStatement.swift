import CMariaDB
import IdentityStorage
import IdentityStorageSQL

/// One server-side prepared statement (`mysql_stmt_*`) with its bind buffers.
///
/// Every buffer the C library reads or writes (parameter values, their lengths and null flags, result
/// buffers, lengths, null and truncation flags) is allocated here, at a fixed address, and lives as long
/// as the statement: the library keeps pointers to them between `mysql_stmt_bind_*` and the end of the
/// fetch. A result value longer than its buffer is read whole with `mysql_stmt_fetch_column` at the
/// length the server reported, so nothing is ever silently truncated.
///
/// Not thread-safe: owned by one ``MariaDBConnection`` on its pool thread.
final class MariaDBStatement {
    /// Result buffers start this small and grow up to ``retainedBufferLimit`` to fit the values seen;
    /// longer values go to a buffer used for one row only.
    private static let initialResultCapacity = 256
    private static let retainedBufferLimit = 64 * 1024

    let handle: UnsafeMutablePointer<MYSQL_STMT>
    let sql: String
    let parameterCount: Int

    private let parameters: UnsafeMutablePointer<MYSQL_BIND>
    private let parameterLengths: UnsafeMutablePointer<UInt>
    private var parameterBuffers: [UnsafeMutableRawPointer?]
    private var parameterCapacities: [Int]

    private var results: UnsafeMutablePointer<MYSQL_BIND>
    private(set) var resultLengths: UnsafeMutablePointer<UInt>
    private(set) var resultNulls: UnsafeMutablePointer<my_bool>
    private var resultErrors: UnsafeMutablePointer<my_bool>
    private var resultBuffers: [UnsafeMutableRawPointer] = []
    /// The size of each bound result buffer.
    private var resultCapacities: [Int] = []
    /// The size each result buffer should have at the next binding (grown after long values).
    private var wantedCapacities: [Int] = []
    private var resultsNeedRebinding = false
    /// Whether each column is fetched as a 64-bit integer (integer column types) or as bytes.
    private(set) var integerColumns: [Bool] = []
    private(set) var columnNames: [String] = []
    /// Per column, the whole value of the current row when it did not fit its buffer.
    private(set) var overflow: [UnsafeMutableRawBufferPointer?] = []
    /// Result columns as last described by the server (`DELETE … RETURNING` reports its columns only
    /// after execution, so the shape is checked again then).
    private(set) var columnCount = 0

    init(connection: UnsafeMutablePointer<MYSQL>, sql: String) throws(IdentityStorageError) {
        guard let handle = mysql_stmt_init(connection) else {
            throw MariaDBErrors.connectionError(connection, "allocating a prepared statement")
        }
        let prepared = sql.withCString { text in mysql_stmt_prepare(handle, text, UInt(sql.utf8.count)) }
        if prepared != 0 {
            let error = MariaDBErrors.statementError(handle, "preparing '\(MariaDBErrors.excerpt(sql))'")
            mysql_stmt_close(handle)
            throw error
        }
        self.handle = handle
        self.sql = sql
        parameterCount = Int(mysql_stmt_param_count(handle))
        parameters = .allocate(capacity: max(parameterCount, 1))
        parameters.initialize(repeating: MYSQL_BIND(), count: max(parameterCount, 1))
        parameterLengths = .allocate(capacity: max(parameterCount, 1))
        parameterLengths.initialize(repeating: 0, count: max(parameterCount, 1))
        parameterBuffers = Array(repeating: nil, count: parameterCount)
        parameterCapacities = Array(repeating: 0, count: parameterCount)
        results = .allocate(capacity: 1)
        results.initialize(to: MYSQL_BIND())
        resultLengths = .allocate(capacity: 1)
        resultLengths.initialize(to: 0)
        resultNulls = .allocate(capacity: 1)
        resultNulls.initialize(to: 0)
        resultErrors = .allocate(capacity: 1)
        resultErrors.initialize(to: 0)
        try describeResults()
    }

    /// After an execution: re-reads the result columns when the server now reports a different number, or when the
    /// last execution moved on to a further result (a procedure call's status), which leaves the columns unbound.
    func refreshResultShape() throws(IdentityStorageError) {
        if shapeIsStale || Int(mysql_stmt_field_count(handle)) != columnCount {
            shapeIsStale = false
            try describeResults()
        }
    }

    /// Whether a further result was read since the columns were bound (see ``finishFurtherResults()``).
    private var shapeIsStale = false

    /// After the rows: reads the results that follow them (a `CALL` answers its rows, then its own status), so the
    /// connection can run the next statement; an error the server reports there (a failed `COMMIT`) is thrown.
    func finishFurtherResults() throws(IdentityStorageError) {
        while mysql_stmt_more_results(handle) != 0 {
            shapeIsStale = true
            let code = mysql_stmt_next_result(handle)
            if code > 0 { throw MariaDBErrors.statementError(handle, "reading the results of '\(MariaDBErrors.excerpt(sql))'") }
            if code < 0 { return }
            if mysql_stmt_field_count(handle) > 0 { mysql_stmt_free_result(handle) }
        }
    }

    /// Reads the result columns' metadata and allocates and binds a buffer per column.
    private func describeResults() throws(IdentityStorageError) {
        releaseResultBuffers()
        let count = Int(mysql_stmt_field_count(handle))
        var integers: [Bool] = []
        var names: [String] = []
        if count > 0, let metadata = mysql_stmt_result_metadata(handle) {
            let fields = mysql_fetch_fields(metadata)
            for index in 0..<count {
                let field = fields![index]
                let type = field.type
                integers.append(type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_LONG
                                || type == MYSQL_TYPE_INT24 || type == MYSQL_TYPE_LONGLONG || type == MYSQL_TYPE_YEAR)
                names.append(field.name.map { String(cString: $0) } ?? "column \(index)")
            }
            mysql_free_result(metadata)
        } else {
            integers = Array(repeating: false, count: count)
            names = (0..<count).map { "column \($0)" }
        }
        columnCount = count
        integerColumns = integers
        columnNames = names
        let slots = max(count, 1)
        results = .allocate(capacity: slots)
        results.initialize(repeating: MYSQL_BIND(), count: slots)
        resultLengths = .allocate(capacity: slots)
        resultLengths.initialize(repeating: 0, count: slots)
        resultNulls = .allocate(capacity: slots)
        resultNulls.initialize(repeating: 0, count: slots)
        resultErrors = .allocate(capacity: slots)
        resultErrors.initialize(repeating: 0, count: slots)
        overflow = Array(repeating: nil, count: count)
        for index in 0..<count {
            let capacity = integers[index] ? 8 : Self.initialResultCapacity
            resultBuffers.append(.allocate(byteCount: capacity, alignment: 8))
            resultCapacities.append(capacity)
            wantedCapacities.append(capacity)
        }
        if count > 0 { try bindResults() }
    }

    private func releaseResultBuffers() {
        releaseOverflow()
        for buffer in resultBuffers { buffer.deallocate() }
        resultBuffers = []
        resultCapacities = []
        wantedCapacities = []
        results.deallocate()
        resultLengths.deallocate()
        resultNulls.deallocate()
        resultErrors.deallocate()
    }

    deinit {
        mysql_stmt_close(handle)
        for buffer in parameterBuffers { buffer?.deallocate() }
        releaseResultBuffers()
        parameters.deallocate()
        parameterLengths.deallocate()
    }

    /// Binds `values` to the statement's parameters, copying them into the statement's own buffers.
    func bind(_ values: [SQLValue]) throws(IdentityStorageError) {
        guard values.count == parameterCount else {
            throw IdentityStorageError(.invalidArgument, "statement '\(MariaDBErrors.excerpt(sql))' takes \(parameterCount) parameters, got \(values.count)")
        }
        if parameterCount == 0 { return }
        for (index, value) in values.enumerated() {
            var bind = MYSQL_BIND()
            bind.length = parameterLengths + index
            switch value {
            case .null:
                bind.buffer_type = MYSQL_TYPE_NULL
            case .integer(let number):
                let buffer = parameterBuffer(index, capacity: 8)
                buffer.storeBytes(of: number, as: Int64.self)
                bind.buffer_type = MYSQL_TYPE_LONGLONG
                bind.buffer = buffer
                bind.buffer_length = 8
                parameterLengths[index] = 8
            case .text(var text):
                let count = text.utf8.count
                let buffer = parameterBuffer(index, capacity: count)
                text.withUTF8 { bytes in
                    if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
                }
                bind.buffer_type = MYSQL_TYPE_STRING
                bind.buffer = buffer
                bind.buffer_length = UInt(count)
                parameterLengths[index] = UInt(count)
            case .blob(let bytes):
                let buffer = parameterBuffer(index, capacity: bytes.count)
                bytes.withUnsafeBytes { source in
                    if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: source.count) }
                }
                bind.buffer_type = MYSQL_TYPE_BLOB
                bind.buffer = buffer
                bind.buffer_length = UInt(bytes.count)
                parameterLengths[index] = UInt(bytes.count)
            }
            parameters[index] = bind
        }
        if mysql_stmt_bind_param(handle, parameters) != 0 {
            throw MariaDBErrors.statementError(handle, "binding the parameters of '\(MariaDBErrors.excerpt(sql))'")
        }
    }

    /// Frees parameter buffers that grew past the retained limit (an 8 MiB payload is not kept per statement).
    func releaseLargeParameterBuffers() {
        for index in 0..<parameterCount where parameterCapacities[index] > Self.retainedBufferLimit {
            parameterBuffers[index]?.deallocate()
            parameterBuffers[index] = nil
            parameterCapacities[index] = 0
        }
    }

    /// Fetches the next row: true when there is one, false at the end. Long values are completed with
    /// `mysql_stmt_fetch_column` into ``overflow``.
    func fetch() throws(IdentityStorageError) -> Bool {
        releaseOverflow()
        let code = mysql_stmt_fetch(handle)
        switch code {
        case 0:
            return true
        case MYSQL_NO_DATA:
            if resultsNeedRebinding { try bindResults() }
            return false
        case MYSQL_DATA_TRUNCATED:
            for column in 0..<columnCount where resultNulls[column] == 0 && !integerColumns[column] {
                let length = Int(resultLengths[column])
                guard length > resultCapacities[column] else { continue }
                let whole = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 8)
                var bind = MYSQL_BIND()
                var fetchedLength: UInt = 0
                var isNull: my_bool = 0
                bind.buffer_type = MYSQL_TYPE_STRING
                bind.buffer = whole.baseAddress
                bind.buffer_length = UInt(length)
                let status = withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
                    withUnsafeMutablePointer(to: &isNull) { nullPointer in
                        bind.length = lengthPointer
                        bind.is_null = nullPointer
                        return mysql_stmt_fetch_column(handle, &bind, UInt32(column), 0)
                    }
                }
                guard status == 0, Int(fetchedLength) == length else {
                    whole.deallocate()
                    throw MariaDBErrors.statementError(handle, "reading the \(length)-byte column \(columnNames[column]) of '\(MariaDBErrors.excerpt(sql))'")
                }
                overflow[column] = whole
                // Grow the retained buffer for the next executions (rebound once this result set ends).
                if length <= Self.retainedBufferLimit, length > wantedCapacities[column] {
                    wantedCapacities[column] = min(Self.retainedBufferLimit, max(length, resultCapacities[column] * 2))
                    resultsNeedRebinding = true
                }
            }
            return true
        default:
            throw MariaDBErrors.statementError(handle, "fetching a row of '\(MariaDBErrors.excerpt(sql))'")
        }
    }

    /// The bytes of `column` in the current row (valid until the next fetch).
    func bytes(_ column: Int) -> UnsafeRawBufferPointer {
        if let whole = overflow[column] { return UnsafeRawBufferPointer(whole) }
        let length = min(Int(resultLengths[column]), resultCapacities[column])
        return UnsafeRawBufferPointer(start: resultBuffers[column], count: length)
    }

    func integer(_ column: Int) -> Int64 {
        resultBuffers[column].load(as: Int64.self)
    }

    /// Abandons the rest of a result set, so the connection can run the next statement.
    func discardResults() {
        releaseOverflow()
        mysql_stmt_free_result(handle)
        if resultsNeedRebinding { try? bindResults() }
    }

    private func releaseOverflow() {
        for index in overflow.indices {
            overflow[index]?.deallocate()
            overflow[index] = nil
        }
    }

    private func parameterBuffer(_ index: Int, capacity: Int) -> UnsafeMutableRawPointer {
        if let buffer = parameterBuffers[index], parameterCapacities[index] >= max(capacity, 1) { return buffer }
        parameterBuffers[index]?.deallocate()
        let size = max(capacity, 64)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        parameterBuffers[index] = buffer
        parameterCapacities[index] = size
        return buffer
    }

    private func bindResults() throws(IdentityStorageError) {
        for column in 0..<columnCount {
            if wantedCapacities[column] > resultCapacities[column] {
                resultBuffers[column].deallocate()
                resultBuffers[column] = .allocate(byteCount: wantedCapacities[column], alignment: 8)
                resultCapacities[column] = wantedCapacities[column]
            }
            var bind = MYSQL_BIND()
            bind.length = resultLengths + column
            bind.is_null = resultNulls + column
            bind.error = resultErrors + column
            if integerColumns[column] {
                bind.buffer_type = MYSQL_TYPE_LONGLONG
                bind.buffer_length = 8
            } else {
                bind.buffer_type = MYSQL_TYPE_STRING
                bind.buffer_length = UInt(resultCapacities[column])
            }
            bind.buffer = resultBuffers[column]
            results[column] = bind
        }
        resultsNeedRebinding = false
        if mysql_stmt_bind_result(handle, results) != 0 {
            throw MariaDBErrors.statementError(handle, "binding the results of '\(MariaDBErrors.excerpt(sql))'")
        }
    }
}
