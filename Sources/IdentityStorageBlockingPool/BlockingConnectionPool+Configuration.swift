extension BlockingConnectionPool {
    /// Pool settings: how many threads (and so connections), how long a caller waits, how often an idle connection is
    /// checked, and how the threads are named and measured.
    public struct Configuration: Sendable {
        /// Threads, each with its own connection (one per lane it serves). Default: 4. ``BlockingConnectionPool/grow(to:)`` adds more.
        public var size: Int = 4
        /// How long a caller may wait for a free connection. Default: 10 s.
        public var acquireTimeout: Duration = .seconds(10)
        /// A connection idle longer than this is health-checked before use. Default: 30 s.
        public var healthCheckInterval: Duration = .seconds(30)
        /// Thread names start with this, for debuggers and `top -H`.
        public var threadName: String = "identitystorage"
        /// How long one idle thread polls the queue before it parks. Zero parks at once. Default: 50 µs.
        public var spinBeforeParking: Duration = .microseconds(50)
        /// How long the pool's only caller (no other call waiting for its answer) polls for its answer on its own
        /// thread before it suspends. Zero suspends at once. Default: 250 µs, a few loopback round trips.
        ///
        /// This is the one place a pool holds a thread of Swift's cooperative pool: for at most this long, only for a
        /// caller alone with the pool, and only while calls are answered within this time, so under load, or with a
        /// slow server, no caller does.
        public var spinBeforeSuspending: Duration = .microseconds(250)
        /// Where the pool logs its connections and reports its gauges. Default: nowhere.
        public var telemetry: PoolTelemetry = .none
        /// For a pool whose threads reach several servers (lanes, such as a Redis Cluster's nodes): the most threads
        /// that run calls of one lane at once, so that a server that stops answering holds no more than these, and
        /// the others' calls keep their threads. Nil (the default): a pool of one server, no cap.
        public var maximumPerLane: Int? = nil

        /// Settings; each parameter is documented at the property of the same name.
        public init(size: Int = 4, acquireTimeout: Duration = .seconds(10), healthCheckInterval: Duration = .seconds(30), threadName: String = "identitystorage",
                    spinBeforeParking: Duration = .microseconds(50), spinBeforeSuspending: Duration = .microseconds(250),
                    telemetry: PoolTelemetry = .none, maximumPerLane: Int? = nil) {
            self.size = size
            self.acquireTimeout = acquireTimeout
            self.healthCheckInterval = healthCheckInterval
            self.threadName = threadName
            self.spinBeforeParking = spinBeforeParking
            self.spinBeforeSuspending = spinBeforeSuspending
            self.telemetry = telemetry
            self.maximumPerLane = maximumPerLane
        }
    }
}
