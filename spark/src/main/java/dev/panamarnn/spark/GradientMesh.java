package dev.panamarnn.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;

/**
 * The sockets between the N tasks of one barrier stage: one TCP connection per pair of workers. Every
 * task listens on its executor's host, the tasks learn each other's address through
 * {@link BarrierTaskContext#allGather}, worker i connects to every worker k < i and accepts the
 * connections of every k > i (each opened with a hello naming the stage attempt and the worker).
 * {@link #exchange} then moves one message each way on every connection at once, non-blocking through
 * one selector, so no pair waits on another and no buffer grows; it fails naming the worker when a
 * connection closes or breaks (a failed or killed task) or nothing moves for the timeout. This class
 * moves bytes; what they mean is {@link MeshAllReduce}'s.
 */
final class GradientMesh implements AutoCloseable {
    private static final int HELLO = 0x524e4e4d;   // "RNNM"
    private static final long POLL_MILLIS = 100;

    private final Stage stage;
    private final int self;
    private final SocketChannel[] peers;   // [k]: the connection to worker k (null at self)
    private final SelectionKey[] keys;
    private final Selector selector;
    private final long timeoutNanos;

    /** What the mesh needs from its barrier stage: who this task is, the address exchange, Spark's kill flag. */
    interface Stage {
        int worker();

        int workers();

        int id();

        int attempt();

        /** Every task's message, by worker, once every task has sent its own (a barrier). */
        String[] allGather(String message);

        /** Throws if Spark killed this task. */
        void checkKilled();

        static Stage of(BarrierTaskContext context) {
            return new Stage() {
                @Override
                public int worker() {
                    return context.partitionId();
                }

                @Override
                public int workers() {
                    return context.numPartitions();
                }

                @Override
                public int id() {
                    return context.stageId();
                }

                @Override
                public int attempt() {
                    return context.stageAttemptNumber();
                }

                @Override
                public String[] allGather(String message) {
                    return context.allGather(message);
                }

                @Override
                public void checkKilled() {
                    context.killTaskIfInterrupted();
                }
            };
        }
    }

    private GradientMesh(Stage stage, int self, SocketChannel[] peers, Selector selector, long timeoutNanos) throws IOException {
        this.stage = stage;
        this.self = self;
        this.peers = peers;
        this.selector = selector;
        this.timeoutNanos = timeoutNanos;
        this.keys = new SelectionKey[peers.length];
        for (int k = 0; k < peers.length; k++) {
            if (peers[k] != null) {
                peers[k].configureBlocking(false);
                keys[k] = peers[k].register(selector, 0, k);
            }
        }
    }

    /**
     * Connects this task (worker {@code stage.worker()}) with every other task of the stage.
     * @param host the address this executor is reached at (its block manager's host)
     */
    static GradientMesh open(Stage stage, String host, long timeoutMillis) throws IOException {
        int self = stage.worker(), workers = stage.workers();
        long timeoutNanos = timeoutMillis * 1_000_000L;
        List<AutoCloseable> opened = new ArrayList<>();
        SocketChannel[] peers = new SocketChannel[workers];
        try (ServerSocketChannel server = ServerSocketChannel.open(); Selector accepting = Selector.open()) {
            server.bind(new InetSocketAddress(host, 0), workers);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            String[] addresses = stage.allGather(host + " " + port);   // [k]: worker k's "host port", by partition id
            for (int k = 0; k < self; k++) {
                String[] hp = addresses[k].split(" ");
                SocketChannel ch = SocketChannel.open();
                opened.add(ch);
                try {
                    ch.socket().connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), (int) timeoutMillis);
                } catch (IOException e) {
                    throw new IOException("worker " + self + " cannot connect to worker " + k + " at " + addresses[k] + ": " + e.getMessage(), e);
                }
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer hello = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(HELLO).putInt(stage.id()).putInt(stage.attempt()).putInt(self).flip();
                while (hello.hasRemaining()) {
                    ch.write(hello);
                }
                peers[k] = ch;
            }
            server.configureBlocking(false);
            server.register(accepting, SelectionKey.OP_ACCEPT);
            long deadline = System.nanoTime() + timeoutNanos;
            for (int accepted = 0; accepted < workers - 1 - self; ) {
                stage.checkKilled();
                if (System.nanoTime() > deadline) {
                    throw new IOException("worker " + self + " waited " + timeoutMillis + " ms for " + (workers - 1 - self - accepted)
                            + " of workers " + (self + 1) + ".." + (workers - 1) + " to connect");
                }
                accepting.select(POLL_MILLIS);
                accepting.selectedKeys().clear();
                SocketChannel ch;
                while ((ch = server.accept()) != null) {
                    opened.add(ch);
                    ch.configureBlocking(true);
                    ch.socket().setSoTimeout((int) timeoutMillis);
                    ByteBuffer hello = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                    var in = ch.socket().getInputStream();
                    byte[] raw = in.readNBytes(16);   // blocking with SO_TIMEOUT: the hello is sent right after connecting
                    hello.put(raw).flip();
                    if (raw.length != 16 || hello.getInt() != HELLO || hello.getInt() != stage.id() || hello.getInt() != stage.attempt()) {
                        throw new IOException("worker " + self + " got a connection from " + ch.getRemoteAddress()
                                + " that is not a worker of this stage attempt");
                    }
                    int k = hello.getInt();
                    if (k <= self || k >= workers || peers[k] != null) {
                        throw new IOException("worker " + self + " got a hello from worker " + k + ", expected one of "
                                + (self + 1) + ".." + (workers - 1) + " not yet connected");
                    }
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    peers[k] = ch;
                    accepted++;
                }
            }
            return new GradientMesh(stage, self, peers, Selector.open(), timeoutNanos);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // failing already
                }
            }
            throw e;
        }
    }

    int self() {
        return self;
    }

    int workers() {
        return peers.length;
    }

    /**
     * Sends {@code send[k]} (position to limit) to every worker k and reads exactly
     * {@code receive[k].remaining()} bytes from it, all connections at once. The entries at self are
     * ignored.
     * @param what names the exchange in errors ("step 12's reduce-scatter")
     */
    void exchange(ByteBuffer[] send, ByteBuffer[] receive, String what) throws IOException {
        long lastProgress = System.nanoTime();
        while (true) {
            boolean pending = false;
            for (int k = 0; k < peers.length; k++) {
                if (k != self) {
                    int ops = (send[k].hasRemaining() ? SelectionKey.OP_WRITE : 0) | (receive[k].hasRemaining() ? SelectionKey.OP_READ : 0);
                    keys[k].interestOps(ops);
                    pending |= ops != 0;
                }
            }
            if (!pending) {
                return;
            }
            boolean progress = false;
            if (selector.select(POLL_MILLIS) > 0) {
                for (SelectionKey key : selector.selectedKeys()) {
                    int k = (Integer) key.attachment();
                    try {
                        if (key.isReadable()) {
                            int n = peers[k].read(receive[k]);
                            if (n < 0) {
                                throw lost(k, what, "closed by worker " + k, null);
                            }
                            progress |= n > 0;
                        }
                        if (key.isValid() && key.isWritable()) {
                            progress |= peers[k].write(send[k]) > 0;
                        }
                    } catch (IOException e) {
                        throw e.getMessage() != null && e.getMessage().startsWith("worker " + self + " lost") ? e : lost(k, what, e.toString(), e);
                    }
                }
                selector.selectedKeys().clear();
            }
            stage.checkKilled();
            long now = System.nanoTime();
            if (progress) {
                lastProgress = now;
            } else if (now - lastProgress > timeoutNanos) {
                List<Integer> waiting = new ArrayList<>();
                for (int k = 0; k < peers.length; k++) {
                    if (k != self && (send[k].hasRemaining() || receive[k].hasRemaining())) {
                        waiting.add(k);
                    }
                }
                throw new IOException("worker " + self + ": nothing moved for " + timeoutNanos / 1_000_000 + " ms during " + what
                        + "; still waiting on workers " + waiting);
            }
        }
    }

    private IOException lost(int k, String what, String how, IOException cause) {
        return new IOException("worker " + self + " lost its connection to worker " + k + " during " + what + " (" + how
                + "): worker " + k + "'s task failed or was killed, or the network failed", cause);
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing
        }
        for (SocketChannel ch : peers) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
