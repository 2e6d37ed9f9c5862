import Foundation
import Testing
@testable import PushWorker

/// `UUID(apnsID:)` reads what `UUID(uuidString:)` reads, without its cost, and refuses the rest.
@Suite struct ApnsIDParsingTests {
    @Test(arguments: [
        "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55",
        "4F0E2B9A-6C11-4B3E-9A77-0D7E0E3D1A55",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ])
    func canonicalFormsReadAsFoundationReadsThem(_ text: String) throws {
        let expected = try #require(UUID(uuidString: text))
        #expect(UUID(apnsID: text) == expected)
    }

    @Test func randomUUIDsRoundTrip() {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(UUID(apnsID: id.uuidString) == id)
            #expect(UUID(apnsID: id.uuidString.lowercased()) == id)
        }
    }

    @Test(arguments: [
        "", "4f0e2b9a6c114b3e9a770d7e0e3d1a55", "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a5",
        "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a555", "4f0e2b9a-6c11-4b3e-9a77_0d7e0e3d1a55",
        "4f0e2b9g-6c11-4b3e-9a77-0d7e0e3d1a55", "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a5é",
        "{4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a}",
    ])
    func anythingElseIsRefused(_ text: String) {
        #expect(UUID(apnsID: text) == nil)
        #expect(UUID(uuidString: text) == nil)
    }
}
