import MockGateway
import Testing

/// The gateway handles request frames itself, so it must give clients flow-control credit:
/// without it a body beyond the 65,535-byte stream window, or more than the connection's
/// window of bodies, would stall (the time limit then fails the test).
@Suite struct HTTP2FlowControlTests {
    @Test(.timeLimit(.minutes(1))) func bodiesBeyondTheStreamAndConnectionWindowsAreAnswered() async throws {
        let fixture = try await HTTP2GatewayFixture.start(mode: .certificate)
        let client = try await fixture.certificateClient()
        let large = #"{"a":""# + String(repeating: "x", count: 200_000) + #""}"#
        // 12 × 200 kB goes past half of the gateway's 4 MiB connection window, so it is topped up.
        for _ in 0..<12 {
            let response = try await client.send(body: large)
            #expect(response.status == 413)
            #expect(response.reason == "PayloadTooLarge")
        }
        #expect(try await client.send().status == 200)
        await client.close()
        try await fixture.stop()
    }
}
