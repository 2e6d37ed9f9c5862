import NIOCore
import NIOHPACK
import Testing

@testable import MockGateway

/// Request assembly per stream as transcripts: frames in, complete requests out.
@Suite struct HTTP2StreamRequestsTests {
    static let headers: HPACKHeaders = [":method": "POST", ":path": "/3/device/ab"]

    @Test func headersThenBodyMakeOneRequestPerStream() throws {
        var requests = HTTP2StreamRequests()
        let headersOne = requests.receivedHeaders(Self.headers, endStream: false, on: 1)
        #expect(headersOne == nil)
        let headersThree = requests.receivedHeaders(Self.headers, endStream: false, on: 3)
        #expect(headersThree == nil)
        let firstChunkOne = requests.receivedData(ByteBuffer(string: "{\"a\":"), endStream: false, on: 1)
        #expect(firstChunkOne == nil)
        let threeEnded = requests.receivedData(ByteBuffer(string: "{}"), endStream: true, on: 3)
        let three = try #require(threeEnded)
        let oneEnded = requests.receivedData(ByteBuffer(string: "1}"), endStream: true, on: 1)
        let one = try #require(oneEnded)
        #expect(String(buffer: one.body) == "{\"a\":1}")
        #expect(String(buffer: three.body) == "{}")
        #expect(one.fields.path == "/3/device/ab")
        #expect(requests.awaitsResponse(1) && requests.awaitsResponse(3))
    }

    @Test func aHeaderOnlyRequestEndsWithItsHeaders() throws {
        var requests = HTTP2StreamRequests()
        let ended = requests.receivedHeaders(Self.headers, endStream: true, on: 5)
        let request = try #require(ended)
        #expect(request.bodyLength == 0)
    }

    @Test func aTrailerOnlyEndsTheStream() throws {
        var requests = HTTP2StreamRequests()
        _ = requests.receivedHeaders(Self.headers, endStream: false, on: 1)
        _ = requests.receivedData(ByteBuffer(string: "{}"), endStream: false, on: 1)
        let ended = requests.receivedHeaders(["x-trailer": "1"], endStream: true, on: 1)
        let request = try #require(ended)
        #expect(request.fields.method == "POST")
        #expect(String(buffer: request.body) == "{}")
    }

    @Test func theBodyIsKeptUpToTheLimitButCountedWhole() throws {
        var requests = HTTP2StreamRequests()
        _ = requests.receivedHeaders(Self.headers, endStream: false, on: 1)
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
        for _ in 0..<9 { _ = requests.receivedData(chunk, endStream: false, on: 1) }
        let ended = requests.receivedData(chunk, endStream: true, on: 1)
        let request = try #require(ended)
        #expect(request.bodyLength == 10 * 4096)
        #expect(request.body.readableBytes >= PushRequestRules.largestBufferedBody)
        #expect(request.body.readableBytes < PushRequestRules.largestBufferedBody + 4096)
    }

    @Test func aClosedStreamForgetsItsPartialRequestAndPendingResponse() {
        var requests = HTTP2StreamRequests()
        _ = requests.receivedHeaders(Self.headers, endStream: false, on: 1)
        requests.forget(1)
        let afterForget = requests.receivedData(ByteBuffer(string: "{}"), endStream: true, on: 1)
        #expect(afterForget == nil)

        _ = requests.receivedHeaders(Self.headers, endStream: true, on: 3)
        #expect(requests.awaitsResponse(3))
        requests.forget(3)
        #expect(!requests.awaitsResponse(3))
    }

    @Test func framesAfterTheRequestEndedAreIgnored() {
        var requests = HTTP2StreamRequests()
        _ = requests.receivedHeaders(Self.headers, endStream: true, on: 1)
        let repeatedHeaders = requests.receivedHeaders(Self.headers, endStream: true, on: 1)
        #expect(repeatedHeaders == nil)
        let lateData = requests.receivedData(ByteBuffer(string: "{}"), endStream: true, on: 1)
        #expect(lateData == nil)
        #expect(requests.awaitsResponse(1))
    }
}

/// Flow-control credit: nothing while a window is more than half full, then back to the target.
@Suite struct HTTP2InboundWindowTests {
    @Test func creditComesOnceHalfTheWindowIsUsed() {
        #expect(HTTP2InboundWindow.increment(size: 65_535, target: 65_535) == nil)
        #expect(HTTP2InboundWindow.increment(size: 40_000, target: 65_535) == nil)
        #expect(HTTP2InboundWindow.increment(size: 30_000, target: 65_535) == 35_535)
        #expect(HTTP2InboundWindow.increment(size: 0, target: 65_535) == 65_535)
    }

    @Test func aWindowBelowTheTargetFromTheStartIsRaisedAtOnce() {
        // The connection starts at 65,535 and the gateway wants 4 MiB.
        #expect(HTTP2InboundWindow.increment(size: 60_000, target: 4 << 20) == (4 << 20) - 60_000)
    }

    @Test func anOverdrawnWindowIsRestoredWithinTheLargestIncrement() {
        #expect(HTTP2InboundWindow.increment(size: -1_000, target: 65_535) == 66_535)
        #expect(HTTP2InboundWindow.increment(size: -10, target: Int(Int32.max)) == Int(Int32.max))
    }
}
