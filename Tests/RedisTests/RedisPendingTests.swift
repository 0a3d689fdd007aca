import Testing

@Test func redisAdapterPending() {}
