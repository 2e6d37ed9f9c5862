import PushWorker

await PushWorkerCommand.main()
