import APNSBinary
import JobQueue
import Logging

/// The content of each campaign this worker sends, in its app's transport, loaded once from `push.campaign`
/// (campaign parameters never change after creation). Bounded: past ``capacity`` campaigns the
/// cache starts over, which costs one query per campaign.
actor CampaignCache {
    /// What a sender can do with a campaign.
    enum Lookup: Sendable {
        case ready(TransportContent)
        /// The campaign can never be sent as stored; record the reason as each token's failure.
        case unusable(reason: String)
        /// The database could not be asked; hand the job back.
        case unavailable(reason: String)
    }

    static let capacity = 1_000

    private let queue: JobQueue
    private var contents: [CampaignID: Lookup] = [:]

    init(queue: JobQueue) {
        self.queue = queue
    }

    /// The campaign's content for `app` (a campaign belongs to one app, so one transport); the
    /// lookup runs under `deadline`.
    func content(of campaign: CampaignID, for app: AppRecord, within deadline: DatabaseCallDeadline) async -> Lookup {
        if let known = contents[campaign] {
            return known
        }
        let queue = self.queue
        let lookup: Lookup
        do {
            guard let record = try await deadline.run("campaign lookup", operation: { try await queue.campaign(campaign) }) else {
                return .unusable(reason: "campaign \(campaign.rawValue) does not exist")
            }
            let content: Result<TransportContent, CampaignContent.ContentError> =
                app.transport == "http2"
                ? CampaignContent.http2Content(of: record, topic: app.topic).map(TransportContent.http2)
                : CampaignContent.binaryContent(of: record).map(TransportContent.binary)
            switch content {
            case .success(let content): lookup = .ready(content)
            case .failure(let error): lookup = .unusable(reason: error.reason)
            }
        } catch {
            return .unavailable(reason: "loading campaign \(campaign.rawValue): \(error)")
        }
        if contents.count >= Self.capacity {
            contents.removeAll(keepingCapacity: true)
        }
        contents[campaign] = lookup
        return lookup
    }
}
