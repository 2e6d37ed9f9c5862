/// Polls `condition` until it holds or `deadline` passes, and says which happened.
///
/// This waits on a state the test can observe, not for a time: the poll interval only bounds how
/// late the test notices. The deadline is generous because debug builds on two cores can starve a
/// task for seconds; a test fails on `false`, it never passes because time went by.
public func eventually(
    within deadline: Duration = .seconds(15),
    polling interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let end = ContinuousClock.now + deadline
    while ContinuousClock.now < end {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
