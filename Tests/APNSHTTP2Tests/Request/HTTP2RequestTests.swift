import APNSHTTP2
import Foundation
import NIOCore
import NIOHPACK
import PushCore
import Testing

@Suite struct HTTP2RequestTests {
    static let token = try! DeviceToken(hex: "00ff10ab" + String(repeating: "cd", count: 28))
    static let payload = try! Payload(validating: #"{"aps":{"alert":"hi"}}"#, limit: .http2VoIP)

    static func request(
        _ content: HTTP2NotificationContent, apnsID: UUID? = nil, providerToken: String? = nil
    ) -> HTTP2Request {
        HTTP2Request(
            notification: HTTP2Notification(tag: 1, deviceToken: token, content: content, apnsID: apnsID),
            authority: "api.push.apple.com", providerToken: providerToken)
    }

    @Test func pathIsTheLowerCaseHexToken() throws {
        let content = try HTTP2NotificationContent(payload: Self.payload, bundleID: "com.example.app")
        let headers = Self.request(content).headers
        #expect(headers.first(name: ":path") == "/3/device/00ff10ab" + String(repeating: "cd", count: 28))
        #expect(headers.first(name: ":method") == "POST")
        #expect(headers.first(name: ":scheme") == "https")
        #expect(headers.first(name: ":authority") == "api.push.apple.com")
    }

    @Test func defaultsAreAlertPriorityTenAndNoOptionalHeaders() throws {
        let content = try HTTP2NotificationContent(payload: Self.payload, bundleID: "com.example.app")
        let request = Self.request(content)
        #expect(request.headers.first(name: "apns-push-type") == "alert")
        #expect(request.headers.first(name: "apns-topic") == "com.example.app")
        #expect(request.headers.first(name: "apns-priority") == "10")
        for absent in ["apns-expiration", "apns-collapse-id", "apns-id", "authorization"] {
            #expect(request.headers.first(name: absent) == nil, "\(absent)")
        }
        #expect(request.body == ByteBuffer(bytes: Self.payload.bytes))
        #expect(request.headers.first(name: "content-length") == String(Self.payload.bytes.count))
    }

    @Test(arguments: [
        ("alert", "com.example.app"), ("background", "com.example.app"), ("voip", "com.example.app.voip"),
        ("complication", "com.example.app.complication"), ("fileprovider", "com.example.app.pushkit.fileprovider"),
        ("mdm", "com.example.app"), ("location", "com.example.app.location-query"),
        ("liveactivity", "com.example.app.push-type.liveactivity"), ("pushtotalk", "com.example.app.voip-ptt"),
        ("widgets", "com.example.app.push-type.widgets"), ("controls", "com.example.app.push-type.controls"),
    ])
    func topicCarriesThePushTypesSuffix(type: String, topic: String) throws {
        let pushType = try #require(PushType(headerValue: type))
        let priority: HTTP2Priority = pushType == .background ? .considerPower : .immediate
        let content = try HTTP2NotificationContent(
            payload: Self.payload, pushType: pushType, bundleID: "com.example.app", priority: priority)
        let headers = Self.request(content).headers
        #expect(headers.first(name: "apns-topic") == topic)
        #expect(headers.first(name: "apns-push-type") == type)
    }

    @Test func everyListedTypeIsKnownAndSuffixesAreNotDoubled() {
        #expect(PushType.allTypes.map(\.headerValue) == [
            "alert", "background", "voip", "complication", "fileprovider", "mdm", "location", "liveactivity",
            "pushtotalk", "widgets", "controls",
        ])
        #expect(PushType(headerValue: "carrier-pigeon") == nil)
        #expect(PushType.voip.topic(forBundleID: "com.example.app.voip") == "com.example.app.voip")
    }

    @Test func optionalHeadersAndTheirIndexing() throws {
        let content = try HTTP2NotificationContent(
            payload: Self.payload, bundleID: "com.example.app", priority: .powerFirst,
            expiration: try Expiration(secondsSince1970: 1_900_000_000), collapseID: "score-update")
        let id = UUID(uuidString: "4F0E2B9A-6C11-4B3E-9A77-0D7E0E3D1A55")!
        let headers = Self.request(content, apnsID: id, providerToken: "eyJ.a.b").headers
        #expect(headers.first(name: "apns-priority") == "1")
        #expect(headers.first(name: "apns-expiration") == "1900000000")
        #expect(headers.first(name: "apns-collapse-id") == "score-update")
        #expect(headers.first(name: "apns-id") == "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55")
        #expect(headers.first(name: "authorization") == "bearer eyJ.a.b")
        let indexing = Dictionary(headers.map { ($0.name, $0.indexable) }, uniquingKeysWith: { first, _ in first })
        #expect(indexing[":path"] == .nonIndexable)
        #expect(indexing["authorization"] == .neverIndexed)
        #expect(indexing["apns-id"] == .nonIndexable)
        #expect(indexing["apns-topic"] == .indexable)
    }

    @Test func expirationZeroMeansOneAttempt() throws {
        let content = try HTTP2NotificationContent(payload: Self.payload, bundleID: "b", expiration: .immediately)
        #expect(Self.request(content).headers.first(name: "apns-expiration") == "0")
    }

    @Test func payloadLimitsArePerPushType() throws {
        let at4096 = try Payload(validating: Self.json(bytes: 4_096), limit: .http2VoIP)
        let at4097 = try Payload(validating: Self.json(bytes: 4_097), limit: .http2VoIP)
        let at5120 = try Payload(validating: Self.json(bytes: 5_120), limit: .http2VoIP)
        _ = try HTTP2NotificationContent(payload: at4096, bundleID: "b")
        #expect(throws: HTTP2ContentError.self) { try HTTP2NotificationContent(payload: at4097, bundleID: "b") }
        _ = try HTTP2NotificationContent(payload: at5120, pushType: .voip, bundleID: "b")
        let at5121 = Array(Self.json(bytes: 5_121).utf8)
        let oversized = try Payload(validating: at5121, limit: PayloadLimit(byteCount: 6_000, name: "test"))
        #expect(throws: HTTP2ContentError.self) { try HTTP2NotificationContent(payload: oversized, pushType: .voip, bundleID: "b") }
    }

    @Test func collapseIDIsAtMost64Bytes() throws {
        _ = try HTTP2NotificationContent(payload: Self.payload, bundleID: "b", collapseID: String(repeating: "x", count: 64))
        #expect(throws: HTTP2ContentError.self) {
            try HTTP2NotificationContent(payload: Self.payload, bundleID: "b", collapseID: String(repeating: "x", count: 65))
        }
        // Bytes, not characters: 22 three-byte characters are 66 bytes.
        #expect(throws: HTTP2ContentError.self) {
            try HTTP2NotificationContent(payload: Self.payload, bundleID: "b", collapseID: String(repeating: "€", count: 22))
        }
    }

    @Test(arguments: ["a\r\nx-injected: 1", "a\nb", "a\u{0}b"])
    func topicsAndCollapseIDsMustBeValidHeaderValues(_ bad: String) throws {
        // The handler does not validate header blocks per request, so the content must.
        #expect(throws: HTTP2ContentError.self) {
            try HTTP2NotificationContent(payload: Self.payload, bundleID: "b", collapseID: bad)
        }
        #expect(throws: HTTP2ContentError.self) { try HTTP2NotificationContent(payload: Self.payload, bundleID: bad) }
        // Space, tab and non-ASCII are allowed in a field value.
        _ = try HTTP2NotificationContent(payload: Self.payload, bundleID: "b", collapseID: "group 1\tö")
    }

    @Test func authoritiesHoldNoSpaceOrControlCharacter() {
        #expect(HTTP2FieldValue.pseudoHeaderProblem(in: "api.sandbox.push.apple.com") == nil)
        #expect(HTTP2FieldValue.pseudoHeaderProblem(in: "127.0.0.1") == nil)
        #expect(HTTP2FieldValue.pseudoHeaderProblem(in: "api push") == "contains a space")
        #expect(HTTP2FieldValue.pseudoHeaderProblem(in: "api\r\n") == "contains a control character")
        #expect(HTTP2FieldValue.pseudoHeaderProblem(in: "") == "is empty")
    }

    @Test func backgroundPushesMustUsePriorityFive() {
        #expect(throws: HTTP2ContentError.self) {
            try HTTP2NotificationContent(payload: Self.payload, pushType: .background, bundleID: "b", priority: .immediate)
        }
    }

    @Test func priorityAcceptsOnlyTenFiveAndOne() {
        #expect([10, 5, 1].compactMap(HTTP2Priority.init(rawValue:)) == [.immediate, .considerPower, .powerFirst])
        #expect(HTTP2Priority(rawValue: 0) == nil)
        #expect(HTTP2Priority(rawValue: 3) == nil)
    }

    /// A JSON object of exactly `bytes` bytes.
    static func json(bytes: Int) -> String {
        let frame = #"{"a":""}"#.utf8.count
        return #"{"a":""# + String(repeating: "x", count: bytes - frame) + #""}"#
    }
}
