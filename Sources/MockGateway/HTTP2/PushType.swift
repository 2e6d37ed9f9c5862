/// The values of `apns-push-type` and the suffix each one needs on `apns-topic`
/// (apns-protocol.md §3.3).
public enum PushType: String, Sendable, Hashable, CaseIterable {
    case alert
    case background
    case voip
    case complication
    case fileprovider
    case mdm
    case location
    case liveactivity
    case pushtotalk
    case widgets
    case controls

    /// What `apns-topic` must end with for this push type; `nil` when the bundle id is used as is.
    /// (`mdm` topics are the UID of the MDM certificate; the mock does not check them.)
    public var topicSuffix: String? {
        switch self {
        case .alert, .background, .mdm: nil
        case .voip: ".voip"
        case .complication: ".complication"
        case .fileprovider: ".pushkit.fileprovider"
        case .location: ".location-query"
        case .liveactivity: ".push-type.liveactivity"
        case .pushtotalk: ".voip-ptt"
        case .widgets: ".push-type.widgets"
        case .controls: ".push-type.controls"
        }
    }

    /// Every suffix some push type needs, longest first.
    static let allTopicSuffixes: [String] = allCases.compactMap(\.topicSuffix).sorted { $0.count > $1.count }

    /// `topic` without the push-type suffix it ends with, if any: the app's bundle id.
    static func bundleID(of topic: String) -> Substring {
        for suffix in allTopicSuffixes where topic.hasSuffix(suffix) {
            return topic.dropLast(suffix.count)
        }
        return Substring(topic)
    }
}
