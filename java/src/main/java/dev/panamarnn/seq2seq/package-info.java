/**
 * Sequence-to-sequence with attention: a recurrent encoder over source token embeddings, a
 * recurrent decoder stepped one target token at a time with input feeding, Luong "general"
 * (multiplicative) attention over the encoder outputs, teacher-forced training with softmax
 * cross-entropy, and greedy and beam-search decoding. {@link dev.panamarnn.seq2seq.Seq2Seq} holds
 * the parameters in one slab; {@link dev.panamarnn.seq2seq.Seq2SeqPass} runs forward and backward
 * for batches of one shape; {@link dev.panamarnn.seq2seq.Seq2SeqDecoder} and
 * {@link dev.panamarnn.seq2seq.Decoding} decode.
 */
package dev.panamarnn.seq2seq;
