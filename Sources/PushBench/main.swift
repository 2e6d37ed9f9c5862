// pushworker-bench: drains the queue with C concurrent claimers that complete every job at once
// (all tokens accepted, nothing sent), then prints what it measured. `scripts/bench queue` drives it.
import Foundation
import JobQueue
import Logging
import PostgresNIO

struct BenchArguments {
    var databaseURL = ProcessInfo.processInfo.environment["PUSHWORKER_DATABASE_URL"] ?? ""
    var claimers = 8
    var jobsPerClaim = 4

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--database-url": databaseURL = value
            case "--claimers": claimers = Int(value) ?? 0
            case "--jobs-per-claim": jobsPerClaim = Int(value) ?? 0
            default: throw BenchError("unknown option \(flag)")
            }
        }
        guard claimers > 0, jobsPerClaim > 0 else { throw BenchError("--claimers and --jobs-per-claim must be positive") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One claimer: claim, complete as accepted, repeat until nothing is left to claim.
func drain(queue: JobQueue, jobsPerClaim: Int) async throws -> (jobs: Int, tokens: Int) {
    var jobs = 0
    var tokens = 0
    while true {
        let claimed = try await queue.claim(limit: jobsPerClaim)
        if claimed.isEmpty { return (jobs, tokens) }
        jobs += claimed.count
        for job in claimed { tokens += job.recipients.count }
        try await queue.complete(claimed.map { JobReport(job: $0, allOutcomes: .accepted) })
    }
}

let arguments = try BenchArguments(Array(CommandLine.arguments.dropFirst()))
let url = try DatabaseURL(parsing: arguments.databaseURL)
var logger = Logger(label: "pushworker.bench")
logger.logLevel = .error
var configuration = url.clientConfiguration()
configuration.options.maximumConnections = arguments.claimers + 2
configuration.options.minimumConnections = arguments.claimers
let client = PostgresClient(configuration: configuration, backgroundLogger: logger)

try await withThrowingTaskGroup(of: Void.self) { service in
    service.addTask { await client.run() }
    // Warm the pool so connection set-up is not timed.
    try await withThrowingTaskGroup(of: Void.self) { warm in
        for _ in 0..<arguments.claimers {
            warm.addTask { try await client.execute("SELECT pg_sleep(0.05)", logger: logger) }
        }
        try await warm.waitForAll()
    }
    let clock = ContinuousClock()
    let start = clock.now
    var jobs = 0
    var tokens = 0
    try await withThrowingTaskGroup(of: (jobs: Int, tokens: Int).self) { group in
        for index in 0..<arguments.claimers {
            let queue = JobQueue(client: client, worker: WorkerID("bench-\(index)"), logger: logger)
            group.addTask { try await drain(queue: queue, jobsPerClaim: arguments.jobsPerClaim) }
        }
        for try await result in group {
            jobs += result.jobs
            tokens += result.tokens
        }
    }
    let elapsed = (clock.now - start)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    var ledger: Int64 = 0
    for try await count in try await client.query("SELECT count(*) FROM push.outcome", logger: logger).decode(Int64.self) {
        ledger = count
    }
    print("drained jobs=\(jobs) tokens=\(tokens) ledger_rows=\(ledger) seconds=\(String(format: "%.3f", seconds))")
    print("drain_tokens_per_s=\(Int((Double(tokens) / seconds).rounded())) claimers=\(arguments.claimers)")
    service.cancelAll()
}
