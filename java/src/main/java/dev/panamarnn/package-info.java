/**
 * The recurrent network itself, for experts: {@link dev.panamarnn.Rnn} (a stack of RNN, LSTM or GRU
 * layers with its parameters in one slab under PyTorch's names), {@link dev.panamarnn.RnnConfig},
 * {@link dev.panamarnn.Workspace} (forward and backpropagation through time for batches of T steps
 * and B rows) and {@link dev.panamarnn.TruncatedBptt}. Most users start one floor up, in
 * {@link dev.panamarnn.model}.
 */
package dev.panamarnn;
