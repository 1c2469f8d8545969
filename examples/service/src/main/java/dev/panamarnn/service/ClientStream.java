package dev.panamarnn.service;

import dev.panamarnn.infer.StreamState;

/**
 * One client id's stream: live (a {@link StreamState} from the pool) or evicted (its snapshot bytes).
 * Every field is guarded by this object's monitor; {@link StreamRegistry} owns the transitions. Kept
 * small: an idle stream costs this object, its map entry and key, and the snapshot.
 */
final class ClientStream {
    StreamState live;        // the state while live, else null
    byte[] saved;            // the snapshot while evicted, else null (a new stream has neither: zero state)
    int inFlight;            // steps submitted to the batcher and not yet completed
    long events;             // events applied so far
    long lastUsedNanos;      // System.nanoTime() of the last completed step (or of creation)
}
