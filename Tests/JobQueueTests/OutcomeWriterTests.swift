import Foundation
import JobQueue
import Logging
import ServiceLifecycle
import Testing
import TestSupport

@Suite struct OutcomeWriterTests {
    @Test func flushesAtTheThresholdAndOnceMoreOnGracefulShutdown() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let queue = db.queue("writer")
            let jobs = try await queue.claim(limit: 3)
            var configuration = OutcomeWriter.Configuration()
            configuration.flushInterval = .seconds(3600)   // only the threshold and shutdown flush
            configuration.flushThreshold = 2
            let writer = OutcomeWriter(queue: queue, configuration: configuration)
            let group = ServiceGroup(configuration: .init(services: [.init(service: writer)], logger: db.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await writer.submit(JobReport(job: jobs[0], allOutcomes: .accepted))
                try await writer.submit(JobReport(job: jobs[1], allOutcomes: .accepted))
                let flushed = try await LifecycleTests().eventually {
                    let written = try await db.outcomes(campaign)["accepted"] == 20
                    let drained = await writer.pendingCount == 0
                    return written && drained
                }
                #expect(flushed)
                try await writer.submit(JobReport(job: jobs[2], allOutcomes: .accepted))
                #expect(await writer.pendingCount == 1)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await db.outcomes(campaign) == ["accepted": 30])
            #expect(await writer.pendingCount == 0)
            #expect(await writer.written.finished.count == 3)
        }
    }

    @Test func sendersWaitPastTheHighWaterMarkAndNothingIsLostAtShutdown() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let queue = db.queue("writer")
            let jobs = try await queue.claim(limit: 3)
            var configuration = OutcomeWriter.Configuration()
            configuration.flushInterval = .seconds(3600)
            configuration.flushThreshold = 100
            configuration.highWaterMark = 1
            let writer = OutcomeWriter(queue: queue, configuration: configuration)
            let group = ServiceGroup(configuration: .init(services: [.init(service: writer)], logger: db.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await writer.submit(JobReport(job: jobs[0], allOutcomes: .accepted))
                tasks.addTask { try await writer.submit(JobReport(job: jobs[1], allOutcomes: .accepted)) }
                tasks.addTask { try await writer.submit(JobReport(job: jobs[2], allOutcomes: .accepted)) }
                let blocked = try await LifecycleTests().eventually { await writer.waitingSubmitters == 2 }
                #expect(blocked)
                #expect(await writer.pendingCount == 1)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await db.outcomes(campaign) == ["accepted": 30])
            #expect(await writer.written.finished.count == 3)
        }
    }
}
