import Dispatch
import Foundation
import Histogram

/// The machine's thread wake-up cost, printed beside the bench figures: every hand-off to a pool thread and back
/// pays it, and it differs between machines of one kind (10–25 µs on two-core virtual machines), so a figure means
/// little without it. Two threads hand a token back and forth through semaphores, each parked while it waits, so
/// every hand-off wakes a sleeping thread; one wake-up is half a round trip. `Scripts/wakeup-cost.sh` measures the
/// same in C.
enum WakeUpCost {
    struct Figures: Sendable {
        var p50Micros: Double
        var p90Micros: Double
    }

    /// Measures `roundTrips` hand-offs between two threads of its own, never the cooperative pool's.
    static func measure(roundTrips: Int = 20_000) async -> Figures {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: pingPong(roundTrips)) }.start()
        }
    }

    private static func pingPong(_ roundTrips: Int) -> Figures {
        let ping = DispatchSemaphore(value: 0)
        let pong = DispatchSemaphore(value: 0)
        Thread {
            for _ in 0..<roundTrips {
                ping.wait()
                pong.signal()
            }
        }.start()
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for _ in 0..<roundTrips {
            let start = DispatchTime.now().uptimeNanoseconds
            ping.signal()
            pong.wait()
            _ = histogram.record((DispatchTime.now().uptimeNanoseconds - start) / 2)
        }
        return Figures(p50Micros: Double(histogram.valueAtPercentile(50)) / 1000,
                       p90Micros: Double(histogram.valueAtPercentile(90)) / 1000)
    }
}
