import Foundation
import JobQueue
import Logging
import ServiceLifecycle
import Testing
import TestSupport

@Suite struct OutcomeWriterTests {
    /// Three claimed jobs of a 30-token campaign and a writer running in a service group; `body`
    /// gets the jobs, the writer and the group (to trigger the graceful shutdown), and the check
    /// after it sees the campaign's outcomes.
    func withRunningWriter(
        flushThreshold: Int, highWaterMark: Int = 256,
        _ body: @escaping @Sendable ([ClaimedJob], OutcomeWriter, ServiceGroup) async throws -> Void,
        then check: @escaping @Sendable (QueueFixtures, Int64, OutcomeWriter) async throws -> Void
    ) async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let queue = db.queue("writer")
            let jobs = try await queue.claim(limit: 3)
            var configuration = OutcomeWriter.Configuration()
            configuration.flushInterval = .seconds(3600)   // only the threshold and the shutdown flush
            configuration.flushThreshold = flushThreshold
            configuration.highWaterMark = highWaterMark
            let writer = OutcomeWriter(queue: queue, configuration: configuration)
            let group = ServiceGroup(configuration: .init(services: [.init(service: writer)], logger: db.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await body(jobs, writer, group)
                try await tasks.waitForAll()
            }
            try await check(db, campaign, writer)
        }
    }

    @Test func flushesAtTheThresholdAndOnceMoreOnGracefulShutdown() async throws {
        try await withRunningWriter(flushThreshold: 2) { jobs, writer, group in
            try await writer.submit(JobReport(job: jobs[0], allOutcomes: .accepted))
            try await writer.submit(JobReport(job: jobs[1], allOutcomes: .accepted))
            let flushed = try await eventually {
                let drained = await writer.pendingCount == 0
                let written = await writer.written.finished.count == 2
                return drained && written
            }
            #expect(flushed)
            try await writer.submit(JobReport(job: jobs[2], allOutcomes: .accepted))
            #expect(await writer.pendingCount == 1)
            await group.triggerGracefulShutdown()
        } then: { db, campaign, writer in
            let outcomes = try await db.outcomes(campaign)
            #expect(outcomes == ["accepted": 30])
            #expect(await writer.pendingCount == 0)
            #expect(await writer.written.finished.count == 3)
        }
    }

    @Test func sendersWaitPastTheHighWaterMarkAndNothingIsLostAtShutdown() async throws {
        try await withRunningWriter(flushThreshold: 100, highWaterMark: 1) { jobs, writer, group in
            try await writer.submit(JobReport(job: jobs[0], allOutcomes: .accepted))
            try await withThrowingTaskGroup(of: Void.self) { senders in
                senders.addTask { try await writer.submit(JobReport(job: jobs[1], allOutcomes: .accepted)) }
                senders.addTask { try await writer.submit(JobReport(job: jobs[2], allOutcomes: .accepted)) }
                let blocked = try await eventually { await writer.waitingSubmitters == 2 }
                #expect(blocked)
                #expect(await writer.pendingCount == 1)
                await group.triggerGracefulShutdown()
                try await senders.waitForAll()
            }
        } then: { db, campaign, writer in
            let outcomes = try await db.outcomes(campaign)
            #expect(outcomes == ["accepted": 30])
            #expect(await writer.written.finished.count == 3)
        }
    }

    @Test func observerHearsEveryWriteWithItsJobCount() async throws {
        let heard = RecordedCounts()
        try await withRunningWriter(flushThreshold: 2) { jobs, writer, group in
            await writer.observeRecorded { jobs in Task { await heard.add(jobs.count) } }
            try await writer.submit(JobReport(job: jobs[0], allOutcomes: .accepted))
            #expect(await heard.total == 0, "nothing is written below the threshold")
            try await writer.submit(JobReport(job: jobs[1], allOutcomes: .accepted))
            let heardBoth = try await eventually { await heard.total == 2 }
            #expect(heardBoth)
            try await writer.submit(JobReport(job: jobs[2], allOutcomes: .accepted))
            await group.triggerGracefulShutdown()
        } then: { _, _, writer in
            #expect(await writer.written.finished.count == 3)
            let heardAll = try await eventually { await heard.total == 3 }
            #expect(heardAll, "the shutdown flush is heard too")
        }
    }
}

private actor RecordedCounts {
    private(set) var total = 0
    func add(_ count: Int) { total += count }
}
