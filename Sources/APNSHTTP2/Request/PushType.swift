/// The `apns-push-type` header: what kind of notification a request carries. It must match the
/// payload, and it decides the suffix the `apns-topic` needs (``topic(forBundleID:)``).
///
/// A struct over a private enum so that types Apple adds later can be added here without breaking
/// callers' `switch`es.
public struct PushType: Sendable, Hashable, CustomStringConvertible {
    private enum Base: String, Sendable, Hashable, CaseIterable {
        case alert, background, voip, complication, fileprovider, mdm, location, liveactivity, pushtotalk
        case widgets, controls
    }

    private let base: Base

    /// A visible alert, sound or badge.
    public static let alert = PushType(base: .alert)
    /// Content delivered in the background; must be sent with priority 5.
    public static let background = PushType(base: .background)
    /// A PushKit VoIP call; payloads up to 5,120 bytes; topic `<bundle>.voip`.
    public static let voip = PushType(base: .voip)
    /// A watchOS complication update; topic `<bundle>.complication`.
    public static let complication = PushType(base: .complication)
    /// A File Provider change; topic `<bundle>.pushkit.fileprovider`.
    public static let fileProvider = PushType(base: .fileprovider)
    /// An MDM "check in" request; the topic is the UID of the MDM certificate (taken as given).
    public static let mdm = PushType(base: .mdm)
    /// A location query (token authentication only); topic `<bundle>.location-query`.
    public static let location = PushType(base: .location)
    /// A Live Activity update; topic `<bundle>.push-type.liveactivity`.
    public static let liveActivity = PushType(base: .liveactivity)
    /// A Push to Talk update; topic `<bundle>.voip-ptt`.
    public static let pushToTalk = PushType(base: .pushtotalk)
    /// A widget reload; topic `<bundle>.push-type.widgets`.
    public static let widgets = PushType(base: .widgets)
    /// A control reload; topic `<bundle>.push-type.controls`.
    public static let controls = PushType(base: .controls)

    /// Every type Apple lists, in Apple's order.
    public static let allTypes: [PushType] = Base.allCases.map(PushType.init(base:))

    /// The type named by the header value (`alert`, `voip`, …); `nil` for a name Apple does not list.
    public init?(headerValue: String) {
        guard let base = Base(rawValue: headerValue) else { return nil }
        self.base = base
    }

    private init(base: Base) {
        self.base = base
    }

    /// The value of the `apns-push-type` header.
    public var headerValue: String { base.rawValue }

    public var description: String { base.rawValue }

    /// What the topic must end with for this type (empty for `alert`, `background` and `mdm`).
    public var topicSuffix: String {
        switch base {
        case .alert, .background, .mdm: ""
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

    /// The `apns-topic` for an app whose bundle ID (the app's topic) is `bundleID`: the suffix is
    /// appended unless the topic already ends with it.
    public func topic(forBundleID bundleID: String) -> String {
        let suffix = topicSuffix
        return suffix.isEmpty || bundleID.hasSuffix(suffix) ? bundleID : bundleID + suffix
    }

    /// The largest payload this type may carry.
    public var payloadLimitBytes: Int { base == .voip ? 5_120 : 4_096 }
}
