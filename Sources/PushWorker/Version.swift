/// This build's version, reported in `push.worker` rows and `--version`.
public enum PushWorkerVersion {
    public static let current = "0.2.0"
}
