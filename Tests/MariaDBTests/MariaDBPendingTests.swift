import Testing

@Test func mariadbAdapterPending() {}
