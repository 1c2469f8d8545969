package dev.panamarnn.service;

/** A moment's counters of a {@link StreamRegistry}. */
record RegistryStats(int streams, int live, int statesCreated, int inFlight, long steps, long batches, long evictions,
                     long restores, long rejected) {}
