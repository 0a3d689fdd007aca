import Foundation
import IdentityStorage
import Synchronization

/// The shared suite every adapter must pass: plain async Swift, so test targets and `idstore check` run the same cases.
/// A test target may run the cases in parallel: ``run(_:on:)`` keeps apart those that need the database to themselves.
///
/// ```swift
/// @Test(arguments: ConformanceSuite.cases)
/// func conformance(_ testCase: ConformanceCase) async throws {
///     let outcome = await ConformanceSuite.run(testCase, on: MyHarness())
///     ...
/// }
/// ```
public enum ConformanceSuite {
    /// Every case, in a stable order.
    public static let cases: [ConformanceCase] =
        clientCases + resourceCases + identityProviderCases + signingKeyCases + keyRingCases
        + grantCases + deviceFlowCases + pushedAuthorizationCases + backchannelCases
        + sessionCases + cacheCases + replayCases + messageCases + throttlingCases + cleanupCases
        + corruptionCases + grantFilterLimitCases + instantRangeCases + grantFamilyCases + largeIndexCases

    /// Every capability some case requires. A built-in backend declares them all (its tests check it, and fail on any
    /// skip), so a capability a built-in backend forgets to declare fails CI instead of skipping its cases; an
    /// outside adapter declares those it implements, and the suite prints the cases of the others as skipped.
    public static let testedCapabilities: StoreCapabilities = cases.reduce(StoreCapabilities()) { $0.union($1.requirements) }

    /// The case with this name, if any.
    public static func `case`(named name: String) -> ConformanceCase? {
        cases.first { $0.name == name }
    }

    /// Cases whose name starts with `prefix` (all for an empty prefix).
    public static func cases(withPrefix prefix: String) -> [ConformanceCase] {
        prefix.isEmpty ? cases : cases.filter { $0.name.hasPrefix(prefix) }
    }

    /// Runs one case on fresh stores from `harness`, never throwing: the outcome says what happened.
    ///
    /// Safe to call for many cases at once on one harness, as a parallel test target does: a case that needs the
    /// database to itself (``ConformanceCase/needsDatabaseToItself``) waits until no other case runs on the
    /// harness's ``ConformanceHarness/database`` and holds back the cases that come after it until it ends.
    public static func run(_ testCase: ConformanceCase, on harness: some ConformanceHarness) async -> ConformanceOutcome {
        let clock = ManualWallClock()
        let started = ContinuousClock.now
        let stores: IdentityStores
        do {
            stores = try await harness.makeStores(clock: clock)
        } catch {
            return .failed("could not open \(harness.backendName) stores: \(error)", ContinuousClock.now - started)
        }
        let missing = testCase.requirements.subtracting(stores.capabilities)
        if !missing.isEmpty {
            try? await harness.release(stores)
            let reason = testCase.skipReason ?? "needs \(missing.names.joined(separator: ", "))"
            return .skipped("\(harness.backendName) lacks \(missing.names.joined(separator: ", ")): \(reason)")
        }
        let corrupter = harness.corrupter(for: stores)
        if testCase.damagesStoredData, corrupter == nil {
            try? await harness.release(stores)
            return .skipped("\(harness.backendName) cannot damage its stored data (its backend does not adopt StoredDataCorrupting)")
        }
        let context = ConformanceContext(stores: stores, clock: clock, namespace: makeNamespace(), corrupter: corrupter)
        var outcome: ConformanceOutcome
        let database = harness.database
        let alone = testCase.needsDatabaseToItself
        if await ConformanceDatabaseGate.shared.enter(database, exclusive: alone) {
            do {
                try await testCase.body(context)
                outcome = .passed(ContinuousClock.now - started)
            } catch {
                outcome = .failed(String(describing: error), ContinuousClock.now - started)
            }
            ConformanceDatabaseGate.shared.leave(database, exclusive: alone)
        } else {
            outcome = .failed("cancelled while waiting for \(database) (\(alone ? "to have it alone" : "to share it"))", ContinuousClock.now - started)
        }
        do {
            try await harness.release(stores)
        } catch where outcome.isPassed {
            outcome = .failed("releasing the stores failed: \(error)", ContinuousClock.now - started)
        } catch {}
        return outcome
    }

    /// A short random prefix: `t` and ten base-36 characters, then `.`.
    static func makeNamespace() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "t" + String((0..<10).map { _ in alphabet.randomElement()! }) + "."
    }
}

extension ConformanceSuite {
    /// Runs one case as ``run(_:on:)`` does, but gives up after `timeout`: the case then fails with that reason and is
    /// cancelled, and the caller goes on without waiting for it (a store call stuck on a server is left to end on its
    /// own).
    public static func run(_ testCase: ConformanceCase, on harness: some ConformanceHarness, timeout: Duration) async -> ConformanceOutcome {
        let started = ContinuousClock.now
        let running = Task { await run(testCase, on: harness) }
        var timer: Task<Void, Never>?
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<ConformanceOutcome, Never>) in
            let first = FirstResume(continuation)
            Task { first.resume(await running.value) }
            timer = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                first.resume(.failed("timed out after \(timeout); the case was cancelled", ContinuousClock.now - started))
            }
        }
        timer?.cancel()
        running.cancel()
        return outcome
    }
}

/// Resumes a continuation with the first of several results and ignores the rest.
private final class FirstResume<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Value) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}
