import MockGateway
import NIOCore
import NIOHPACK
import Testing

/// Request validation as pure functions: each documented reason from a request that breaks
/// exactly one rule.
@Suite struct PushRequestRulesTests {
    static let token = String(repeating: "0f", count: 32)
    static let payload = #"{"aps":{"alert":"hi"}}"#

    static func request(
        method: String = "POST",
        path: String = "/3/device/\(token)",
        headers: [(String, String)] = [("apns-topic", "com.example.app")],
        body: String = payload
    ) -> PushRequest {
        var block = HPACKHeaders([(":method", method), (":path", path), (":scheme", "https")])
        for (name, value) in headers { block.add(name: name, value: value) }
        return PushRequest(headers: block, body: ByteBuffer(string: body))
    }

    /// Route, then content: the reason, or nil when the request is valid.
    static func reason(of request: PushRequest) -> HTTP2Reason? {
        switch PushRequestRules.route(of: request) {
        case .failure(let reason): return reason
        case .success(let token):
            switch PushRequestRules.content(of: request, deviceToken: token) {
            case .failure(let reason): return reason
            case .success: return nil
            }
        }
    }

    @Test func aValidRequestPassesWithItsValues() throws {
        let request = Self.request(headers: [
            ("apns-topic", "com.example.app.voip"), ("apns-push-type", "voip"), ("apns-priority", "10"),
            ("apns-expiration", "0"), ("apns-collapse-id", "c1"), ("apns-id", "123e4567-e89b-12d3-a456-426614174000"),
        ])
        let token = try PushRequestRules.route(of: request).get()
        #expect(Array(token.readableBytesView) == Array(repeating: 0x0f, count: 32))
        let push = try PushRequestRules.content(of: request, deviceToken: token).get()
        #expect(push.topic == "com.example.app.voip")
        #expect(push.pushType == .voip)
        #expect(push.apnsID == "123e4567-e89b-12d3-a456-426614174000")
        #expect(String(buffer: push.payload) == Self.payload)
    }

    @Test func methodAndPath() {
        #expect(Self.reason(of: Self.request(method: "GET")) == .methodNotAllowed)
        #expect(Self.reason(of: Self.request(path: "/3/devices/\(Self.token)")) == .badPath)
        #expect(Self.reason(of: Self.request(path: "/2/device/\(Self.token)")) == .badPath)
        #expect(Self.reason(of: Self.request(path: "/3/device/")) == .missingDeviceToken)
    }

    @Test(arguments: [
        String(repeating: "a", count: 62),  // too short
        String(repeating: "a", count: 63),  // odd
        String(repeating: "g", count: 64),  // not hex
        String(repeating: "a", count: 202),  // longer than 100 bytes
        String(repeating: "ab", count: 31) + "a?",
    ])
    func malformedTokensAreBadDeviceToken(token: String) {
        #expect(Self.reason(of: Self.request(path: "/3/device/\(token)")) == .badDeviceToken)
    }

    @Test func longerAndUppercaseTokensAreAccepted() {
        #expect(Self.reason(of: Self.request(path: "/3/device/" + String(repeating: "AB", count: 100))) == nil)
        #expect(Self.reason(of: Self.request(path: "/3/device/" + String(repeating: "Ab", count: 33))) == nil)
    }

    @Test func headerRules() {
        #expect(Self.reason(of: Self.request(headers: [("apns-topic", "a"), ("apns-topic", "b")])) == .duplicateHeaders)
        #expect(Self.reason(of: Self.request(headers: [("apns-id", "not-a-uuid")])) == .badMessageId)
        #expect(Self.reason(of: Self.request(headers: [("apns-id", "123e4567e89b12d3a456426614174000")])) == .badMessageId)
        #expect(Self.reason(of: Self.request(headers: [("apns-push-type", "sms")])) == .invalidPushType)
        #expect(Self.reason(of: Self.request(headers: [("apns-priority", "7")])) == .badPriority)
        #expect(Self.reason(of: Self.request(headers: [("apns-priority", "high")])) == .badPriority)
        #expect(Self.reason(of: Self.request(headers: [("apns-push-type", "background"), ("apns-priority", "10")])) == .badPriority)
        #expect(Self.reason(of: Self.request(headers: [("apns-push-type", "background"), ("apns-priority", "5")])) == nil)
        #expect(Self.reason(of: Self.request(headers: [("apns-expiration", "tomorrow")])) == .badExpirationDate)
        #expect(Self.reason(of: Self.request(headers: [("apns-expiration", "-1")])) == .badExpirationDate)
        #expect(Self.reason(of: Self.request(headers: [("apns-collapse-id", String(repeating: "x", count: 65))])) == .badCollapseId)
        #expect(Self.reason(of: Self.request(headers: [("apns-collapse-id", String(repeating: "x", count: 64))])) == nil)
    }

    @Test(arguments: PushType.allCases)
    func everyPushTypeNeedsItsTopicSuffix(pushType: PushType) {
        let bare = Self.request(headers: [("apns-topic", "com.example.app"), ("apns-push-type", pushType.rawValue)] + Self.priority(for: pushType))
        let suffixed = Self.request(
            headers: [("apns-topic", "com.example.app" + (pushType.topicSuffix ?? "")), ("apns-push-type", pushType.rawValue)]
                + Self.priority(for: pushType))
        #expect(Self.reason(of: suffixed) == nil)
        #expect(Self.reason(of: bare) == (pushType.topicSuffix == nil ? nil : .badTopic))
    }

    private static func priority(for pushType: PushType) -> [(String, String)] {
        pushType == .background ? [("apns-priority", "5")] : []
    }

    @Test func payloadRules() {
        #expect(Self.reason(of: Self.request(body: "")) == .payloadEmpty)
        #expect(Self.reason(of: Self.request(body: "[1,2]")) == .payloadEmpty)
        #expect(Self.reason(of: Self.request(body: #"{"aps":"#)) == .payloadEmpty)
        let fits = #"{"a":""# + String(repeating: "x", count: 4096 - 8) + #""}"#
        #expect(fits.utf8.count == 4096)
        #expect(Self.reason(of: Self.request(body: fits)) == nil)
        let tooLarge = #"{"a":""# + String(repeating: "x", count: 4097 - 8) + #""}"#
        #expect(Self.reason(of: Self.request(body: tooLarge)) == .payloadTooLarge)
        let voip = [("apns-topic", "com.example.app.voip"), ("apns-push-type", "voip")]
        #expect(Self.reason(of: Self.request(headers: voip, body: tooLarge)) == nil)
        let tooLargeForVoIP = #"{"a":""# + String(repeating: "x", count: 5121 - 8) + #""}"#
        #expect(Self.reason(of: Self.request(headers: voip, body: tooLargeForVoIP)) == .payloadTooLarge)
    }

    @Test func topicDependsOnTheCredential() throws {
        let token = ByteBuffer(bytes: Array(repeating: 0x0f, count: 32))
        let withTopic = try PushRequestRules.content(of: Self.request(), deviceToken: token).get()
        let withoutTopic = try PushRequestRules.content(of: Self.request(headers: []), deviceToken: token).get()
        let voip = try PushRequestRules.content(
            of: Self.request(headers: [("apns-topic", "com.example.app.voip"), ("apns-push-type", "voip")]), deviceToken: token
        ).get()

        let certificate = ConnectionCredential.certificate(topic: "com.example.app")
        #expect(PushRequestRules.topic(of: withTopic, credential: certificate, allowedTopics: nil) == .success("com.example.app"))
        #expect(PushRequestRules.topic(of: withoutTopic, credential: certificate, allowedTopics: nil) == .success("com.example.app"))
        #expect(PushRequestRules.topic(of: voip, credential: certificate, allowedTopics: nil) == .success("com.example.app.voip"))
        #expect(PushRequestRules.topic(of: withTopic, credential: .certificate(topic: "com.other"), allowedTopics: nil) == .failure(.badTopic))
        #expect(PushRequestRules.topic(of: withoutTopic, credential: .certificate(topic: nil), allowedTopics: nil) == .failure(.missingTopic))

        #expect(PushRequestRules.topic(of: withoutTopic, credential: .token, allowedTopics: nil) == .failure(.missingTopic))
        #expect(PushRequestRules.topic(of: withTopic, credential: .token, allowedTopics: nil) == .success("com.example.app"))
        #expect(PushRequestRules.topic(of: voip, credential: .token, allowedTopics: ["com.example.app"]) == .success("com.example.app.voip"))
        #expect(PushRequestRules.topic(of: withTopic, credential: .token, allowedTopics: ["com.other"]) == .failure(.topicDisallowed))
    }

    @Test func reasonsCarryApplesStatuses() {
        #expect(HTTP2Reason.badDeviceToken.status == 400)
        #expect(HTTP2Reason.expiredProviderToken.status == 403)
        #expect(HTTP2Reason.badPath.status == 404)
        #expect(HTTP2Reason.methodNotAllowed.status == 405)
        #expect(HTTP2Reason.unregistered.status == 410)
        #expect(HTTP2Reason.payloadTooLarge.status == 413)
        #expect(HTTP2Reason.tooManyRequests.status == 429)
        #expect(HTTP2Reason.internalServerError.status == 500)
        #expect(HTTP2Reason.serviceUnavailable.status == 503)
        #expect(HTTP2Reason(name: "unregistered") == .unregistered)
        #expect(HTTP2Reason(name: "NoSuchReason") == nil)
    }

    @Test func errorBodiesAreAppleShaped() {
        let rejected = PushResponse(apnsID: "x", reason: .badDeviceToken, timestamp: 5)
        #expect(rejected.body().map { String(buffer: $0) } == #"{"reason":"BadDeviceToken"}"#)
        #expect(rejected.status == 400)
        let unregistered = PushResponse(apnsID: "x", reason: .unregistered, timestamp: 1_700_000_000_123)
        #expect(unregistered.body().map { String(buffer: $0) } == #"{"reason":"Unregistered","timestamp":1700000000123}"#)
        #expect(unregistered.headers.first(name: ":status") == "410")
        let accepted = PushResponse(apnsID: "x")
        #expect(accepted.body() == nil)
        #expect(accepted.headers.first(name: "apns-id") == "x")
    }
}

/// The payload must be one JSON object (PushCore's check, applied on the gateway side).
@Suite struct PayloadObjectTests {
    static func isObject(_ text: String) -> Bool {
        PushRequestRules.content(
            of: PushRequestRulesTests.request(body: text), deviceToken: ByteBuffer(bytes: Array(repeating: 1, count: 32))
        ).map { _ in true }.isSuccess
    }

    @Test(arguments: [
        "{}", " { } ", #"{"a":1}"#, #"{"a":[1,-2.5e3,true,false,null,"x\n\u00e9"],"b":{"c":{}}}"#, #"{"aps":{"alert":"é😀"}}"#,
        "{\"a\":0}\n",
    ])
    func objectsPass(text: String) {
        #expect(Self.isObject(text))
    }

    @Test(arguments: [
        "[]", "1", #""x""#, "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{a:1}"#, #"{"a":01}"#, #"{"a":1.}"#,
        #"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", #"{"a":tru}"#, "{} {}", #"{"a":[1,]}"#,
        // Nesting deeper than the validator's limit (256) is refused rather than recursed into.
        #"{"a":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}",
    ])
    func everythingElseFails(text: String) {
        #expect(!Self.isObject(text))
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
