import APNSBinary
import APNSHTTP2
import Foundation
import NIOCore
import NIOHPACK
import Testing

@Suite struct HTTP2ResponseTests {
    static func headers(status: String, apnsID: String? = "4F0E2B9A-6C11-4B3E-9A77-0D7E0E3D1A55") -> HPACKHeaders {
        var headers = HPACKHeaders([(":status", status)])
        if let apnsID { headers.add(name: "apns-id", value: apnsID) }
        return headers
    }

    @Test func acceptedCarriesTheApnsIDLowerCased() throws {
        let response = try #require(HTTP2Response(headers: Self.headers(status: "200"), body: nil))
        #expect(response == HTTP2Response(status: 200, apnsID: "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55"))
    }

    @Test func rejectionReadsTheReason() throws {
        let body = ByteBuffer(string: #"{"reason":"BadDeviceToken"}"#)
        let response = try #require(HTTP2Response(headers: Self.headers(status: "400"), body: body))
        #expect(response.status == 400)
        #expect(response.reason == .badDeviceToken)
        #expect(response.timestamp == nil)
        #expect(response.bodyProblem == nil)
    }

    @Test func unregisteredTimestampIsInMilliseconds() throws {
        let body = ByteBuffer(string: #"{"reason":"Unregistered","timestamp":1700000000123}"#)
        let response = try #require(HTTP2Response(headers: Self.headers(status: "410"), body: body))
        #expect(response.reason == .unregistered)
        let timestamp = try #require(response.timestamp)
        #expect(abs(timestamp.timeIntervalSince1970 - 1_700_000_000.123) < 0.0005)
    }

    @Test func anUnknownReasonIsKeptAsItsString() throws {
        let body = ByteBuffer(string: #"{"reason":"SomethingNew"}"#)
        let response = try #require(HTTP2Response(headers: Self.headers(status: "400"), body: body))
        #expect(response.reason?.name == "SomethingNew")
    }

    @Test func theStatusSurvivesABodyThatIsNotJSON() throws {
        let response = try #require(HTTP2Response(headers: Self.headers(status: "503", apnsID: nil), body: ByteBuffer(string: "<html>")))
        #expect(response.status == 503)
        #expect(response.reason == nil)
        #expect(response.bodyProblem != nil)
        let empty = try #require(HTTP2Response(headers: Self.headers(status: "500"), body: nil))
        #expect(empty.status == 500 && empty.bodyProblem != nil)
    }

    @Test func aMissingStatusIsNoResponse() {
        #expect(HTTP2Response(headers: HPACKHeaders([("apns-id", "x")]), body: nil) == nil)
        #expect(HTTP2Response(headers: HPACKHeaders([(":status", "abc")]), body: nil) == nil)
    }
}

@Suite struct ResponseDispositionTests {
    static func disposition(_ status: Int, _ reason: APNSReason?, _ kind: HTTP2Authentication.Kind = .token) -> ResponseDisposition {
        ResponseDisposition(HTTP2Response(status: status, reason: reason), authentication: kind)
    }

    @Test func everyStatusAndReasonOfApplesTable() {
        #expect(Self.disposition(200, nil) == .accepted)
        for reason: APNSReason in [
            .badCollapseID, .badDeviceToken, .badExpirationDate, .badMessageID, .badPriority, .badTopic,
            .deviceTokenNotForTopic, .duplicateHeaders, .idleTimeout, .invalidPushType, .missingDeviceToken,
            .missingTopic, .payloadEmpty, .topicDisallowed,
        ] {
            #expect(Self.disposition(400, reason) == .rejected, "\(reason)")
        }
        #expect(Self.disposition(404, .badPath) == .rejected)
        #expect(Self.disposition(405, .methodNotAllowed) == .rejected)
        #expect(Self.disposition(410, .unregistered) == .rejected)
        #expect(Self.disposition(410, .expiredToken) == .rejected)
        #expect(Self.disposition(413, .payloadTooLarge) == .rejected)
        #expect(Self.disposition(429, .tooManyRequests) == .retryLater)
        #expect(Self.disposition(429, .tooManyProviderTokenUpdates) == .retryLater)
        #expect(Self.disposition(500, .internalServerError) == .retryLater)
        #expect(Self.disposition(503, .serviceUnavailable) == .retryLater)
        #expect(Self.disposition(503, .shutdown) == .retryLater)
        #expect(Self.disposition(502, nil) == .retryLater)
        #expect(Self.disposition(400, nil) == .rejected)
    }

    @Test func anExpiredProviderTokenIsRenewed() {
        #expect(Self.disposition(403, .expiredProviderToken) == .renewProviderToken)
    }

    @Test func credentialReasonsStopTheApp() {
        for reason: APNSReason in [
            .invalidProviderToken, .missingProviderToken, .unrelatedKeyIDInToken, .badEnvironmentKeyIDInToken,
            .badEnvironmentKeyInToken, .forbidden,
        ] {
            guard case .credentialsRejected(let failure) = Self.disposition(403, reason) else {
                Issue.record("\(reason) did not stop the app")
                continue
            }
            #expect(failure.code == .providerTokenRejected)
            #expect(failure.isFatal)
            #expect(failure.message.contains(reason.name))
        }
        guard case .credentialsRejected(let failure) = Self.disposition(403, .badCertificate, .certificate) else {
            Issue.record("BadCertificate did not stop the app")
            return
        }
        #expect(failure.code == .clientCertificateRejected)
    }
}
