// The HTTP layer over the store (fetch-through client, caching proxy) arrives with the recording
// issue; the target exists so the module graph of DESIGN §2 is in place from the start.
import ArtifactStore
