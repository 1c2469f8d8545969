package dev.panamarnn.seq2seq;

/**
 * A decoded sequence.
 * @param tokens    the tokens produced, without the end token
 * @param ended     whether decoding produced the end token (false: stopped at the length limit)
 * @param logProb   sum of the log-probabilities of the produced tokens, the end token included
 * @param score     the score the search ranked by: logProb / length^alpha (length counts the end token)
 * @param attention (tokens, S) the attention weights of each produced step, or null when not recorded
 */
public record Translation(int[] tokens, boolean ended, double logProb, double score, float[][] attention) {}
