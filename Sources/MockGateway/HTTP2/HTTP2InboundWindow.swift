/// When to give a peer more HTTP/2 flow-control credit. With frames handled on the connection
/// (no stream channels) nothing else sends WINDOW_UPDATE, so the frame handler asks this after
/// each change of an inbound window the way NIOHTTP2's stream channels do: once a window has
/// fallen to half its target or less, top it up to the target.
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
