import PushWorker

/// The `pushworker` executable; every command lives in the PushWorker library so tests reach it.
@main
extension PushWorkerCommand {}
