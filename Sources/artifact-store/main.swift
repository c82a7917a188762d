import ArtifactStoreCLI

/// Runs our own async entry point (it maps store errors to exit statuses). Called from an async
/// function so that overload resolution picks it over ArgumentParser's synchronous `main(_:)`.
func runArtifactStore() async {
    await ArtifactStoreCommand.main(nil)
}

await runArtifactStore()
