import Testing

@Test func postgresAdapterPending() {}
