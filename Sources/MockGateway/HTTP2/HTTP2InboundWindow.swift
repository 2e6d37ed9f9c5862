/// When to give a peer more HTTP/2 flow-control credit: once a window has fallen to half its
/// target or less, top it up to the target (the rule NIOHTTP2's stream channels follow). The
/// gateway's frame handler asks it after each DATA frame for the connection window.
enum HTTP2InboundWindow {
    /// The WINDOW_UPDATE increment for a window now `size` bytes, aiming at `target`; `nil`
    /// while the window is still more than half full.
    static func increment(size: Int, target: Int) -> Int? {
        guard size < target else { return nil }
        if size < 0 { return min(target - size, Int(Int32.max)) }
        let increment = target - size
        return increment >= size ? increment : nil
    }
}
