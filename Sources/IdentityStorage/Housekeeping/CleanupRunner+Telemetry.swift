import Metrics
import Logging

extension CleanupRunner.Report {
    /// Rows removed per kind, under the names of the `kind` dimension and of the log line's metadata.
    var rowsByKind: KeyValuePairs<String, Int> {
        [
            "expired_grants": expiredGrants, "consumed_grants": consumedGrants, "device_authorizations": deviceAuthorizations,
            "pushed_authorization_requests": pushedAuthorizationRequests, "backchannel_requests": backchannelRequests,
            "cache_entries": cacheEntries, "sessions": sessions,
        ]
    }
}

extension CleanupRunner {
    /// Logs and counts one pass.
    func record(_ report: Report, outcome: String, duration: Duration? = nil) {
        let duration = duration ?? report.duration
        var metadata: Logger.Metadata = ["outcome": .string(outcome), "duration": .stringConvertible(duration),
                                         "batches": .stringConvertible(report.batches)]
        for (kind, rows) in report.rowsByKind { metadata[kind] = .stringConvertible(rows) }
        observability.logger.debug("cleanup pass finished", metadata: metadata)
        guard let factory = observability.activeMetricsFactory else { return }
        for (kind, rows) in report.rowsByKind where rows > 0 {
            Counter(label: "identitystorage_cleanup_rows_removed", dimensions: [("kind", kind)], factory: factory).increment(by: rows)
        }
        CoreMetrics.Timer(label: "identitystorage_cleanup_duration", factory: factory).recordNanoseconds(duration.nanoseconds)
        Counter(label: "identitystorage_cleanup_runs", dimensions: [("outcome", outcome)], factory: factory).increment()
    }
}
