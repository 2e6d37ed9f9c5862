import JobQueue

/// `report --watch`: polls one campaign's progress every `interval`, shows the live line until
/// the campaign is settled (finished, cancelled or empty), and returns its last progress.
struct CampaignWatcher {
    let reports: DeliveryReports
    let campaign: CampaignID
    var interval: Duration = .seconds(1)

    /// Runs until the campaign settles; `write` receives the display's text as it comes.
    func run(display: inout WatchDisplay, write: (String) -> Void) async throws -> CampaignProgress {
        let clock = ContinuousClock()
        let start = clock.now
        var rate = RateEstimator()
        while true {
            guard let progress = try await reports.progress(campaign) else {
                throw ReportCommandFailure(message: "no campaign \(campaign.rawValue)")
            }
            let elapsed = start.duration(to: clock.now)
            rate.record(done: progress.done, at: Double(elapsed.components.seconds)
                        + Double(elapsed.components.attoseconds) / 1e18)
            if let text = display.frame(ProgressLine.render(progress, rate: rate.rate)) { write(text) }
            if progress.status.isSettled {
                let end = display.finish()
                if !end.isEmpty { write(end) }
                return progress
            }
            try await Task.sleep(for: interval)
        }
    }
}
