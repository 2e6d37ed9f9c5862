import ArgumentParser

/// The `pushworker` command line: one subcommand per job an operator runs.
public struct PushWorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pushworker",
        abstract: "Sends Apple push notifications in bulk from a PostgreSQL queue.",
        subcommands: [RunCommand.self, FeedbackCommand.self, MigrateCommand.self, PruneCommand.self, ReportCommand.self, MockGatewayCommand.self]
    )

    public init() {}
}
