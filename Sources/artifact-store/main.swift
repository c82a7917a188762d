import ArtifactStoreCLI

ArtifactStoreCommand.main()
