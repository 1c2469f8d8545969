package dev.panamarnn.examples.experiment;

import dev.panamarnn.examples.support.Plots;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The spoken-digits data set of the speech lab: strings of 3 to 7 digits, read as the words "zero"
 * (or "oh", half the time) .. "nine" by Debian's espeak-ng, in many voices, speeds and pitches,
 * with random silence before and after and white Gaussian noise at a random SNR, turned into
 * log-mel features (SpeechFeatures) and CTC labels (SpeechDataset).
 * <p>
 * <b>Voices.</b> A voice is an espeak-ng English accent and a voice variant ("en-gb-x-rp+m3").
 * The training split uses {@link #TRAIN_ACCENTS} x {@link #TRAIN_VARIANTS}; the test split uses
 * every combination with a held-out accent ({@link #TEST_ACCENTS}) or a held-out variant
 * ({@link #TEST_VARIANTS}), so no test voice was heard in training, and each differs from every
 * training voice in accent, timbre or both. The whisper variants are left out (unvoiced speech);
 * so are en-us-nyc (the same sound as en-us in espeak-ng 1.51) and the mbrola voices (need the mbrola program).
 * <p>
 * <b>Determinism and cost.</b> Utterance i of a split draws everything from its own seed
 * (config seed, split, i), so the set does not depend on thread timing. espeak-ng runs as one
 * process per utterance ({@code espeak-ng -v VOICE -s SPEED -p PITCH --stdout WORDS}), as many at
 * once as there are cores; its WAV (22,050 Hz) is read with SpeechAudio's checked reader and
 * resampled to 16 kHz.
 * <p>
 * <b>Cache.</b> The built set is stored in {@code cacheDir} as one file named by a hash of the
 * builder's version and every parameter (the features' too), with a CRC32 at its end; a second
 * build reads it in seconds. A file that is truncated, fails its CRC or holds another key is
 * reported in one line and rebuilt. The cache holds unnormalised log-mel features, not audio.
 */
public final class SpokenDigits {
    /** Bump when what the builder makes changes, so old caches are not read. */
    static final int VERSION = 1;
    private static final byte[] MAGIC = "RNNSPCH1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FRAMES = 100_000, MAX_UTTERANCES = 10_000_000;
    private static final int MAX_WAV_BYTES = 64 << 20;
    static final int OUTPUT_RATE = 16_000;

    /** espeak-ng's English accents heard in training (espeak-ng 1.51 names). */
    public static final List<String> TRAIN_ACCENTS = List.of("en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp");
    /** Accents only the test split uses: West Midlands and Caribbean English. */
    public static final List<String> TEST_ACCENTS = List.of("en-gb-x-gbcwmd", "en-029");
    /** Voice variants heard in training; "" is the accent's own voice. */
    public static final List<String> TRAIN_VARIANTS = List.of("", "m1", "m2", "m3", "m4", "m5", "f1", "f2", "f3",
            "klatt", "klatt2", "klatt4", "croak", "Andy", "Annie", "adam", "steph", "max", "Alex", "Gene", "john",
            "linda", "rob", "david", "grandpa", "michel", "boris", "belinda", "aunty", "iven", "Lee", "Mike", "quincy", "zac");
    /** Variants only the test split uses. */
    public static final List<String> TEST_VARIANTS = List.of("m6", "m7", "f4", "f5", "klatt3", "Andrea", "robert",
            "edward", "grandma", "norbert", "shelby", "victor", "Michael");

    /** The word of each digit. */
    static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

    /**
     * The builder's parameters. Sizes are utterances; speeds in words per minute (espeak-ng -s, default
     * 175); pitches 0..99 (-p, default 50); SNR in dB of white noise against the utterance's mean power;
     * up to {@code maxPadSeconds} of silence (then noise) before and after.
     */
    public record Config(int trainSize, int testSize, int minDigits, int maxDigits, int minSpeed, int maxSpeed,
                         int minPitch, int maxPitch, double minSnrDb, double maxSnrDb, double maxPadSeconds, long seed,
                         SpeechFeatures.Config features) {
        public Config {
            if (trainSize < 0 || testSize < 0 || trainSize + testSize == 0) {
                throw new IllegalArgumentException("need a positive number of utterances, got train " + trainSize + ", test " + testSize);
            }
            if (minDigits < 1 || maxDigits < minDigits || maxDigits > 50) {
                throw new IllegalArgumentException("need 1 <= minDigits <= maxDigits <= 50, got " + minDigits + ", " + maxDigits);
            }
            if (minSpeed < 80 || maxSpeed < minSpeed || maxSpeed > 450) {
                throw new IllegalArgumentException("need 80 <= minSpeed <= maxSpeed <= 450 (espeak-ng's range), got " + minSpeed + ", " + maxSpeed);
            }
            if (minPitch < 0 || maxPitch < minPitch || maxPitch > 99) {
                throw new IllegalArgumentException("need 0 <= minPitch <= maxPitch <= 99, got " + minPitch + ", " + maxPitch);
            }
            if (!(minSnrDb <= maxSnrDb) || !Double.isFinite(minSnrDb) || Double.isNaN(maxSnrDb)) {
                throw new IllegalArgumentException("need minSnrDb <= maxSnrDb (maxSnrDb may be +Infinity: no noise), got " + minSnrDb + ", " + maxSnrDb);
            }
            if (!(maxPadSeconds >= 0 && maxPadSeconds <= 10)) {
                throw new IllegalArgumentException("maxPadSeconds must be in [0, 10], got " + maxPadSeconds);
            }
            if (features.sampleRate() != OUTPUT_RATE) {
                throw new IllegalArgumentException("the features' sample rate must be " + OUTPUT_RATE + " Hz, got " + features.sampleRate());
            }
        }

        /** The same with other split sizes. */
        public Config withSizes(int trainSize, int testSize) {
            return new Config(trainSize, testSize, minDigits, maxDigits, minSpeed, maxSpeed, minPitch, maxPitch,
                    minSnrDb, maxSnrDb, maxPadSeconds, seed, features);
        }

        public Config withSeed(long seed) {
            return new Config(trainSize, testSize, minDigits, maxDigits, minSpeed, maxSpeed, minPitch, maxPitch,
                    minSnrDb, maxSnrDb, maxPadSeconds, seed, features);
        }

        /** Every parameter and the builder's version, as the text the cache file name hashes. */
        public String key() {
            return "spoken-digits v" + VERSION + "; train=" + trainSize + ",test=" + testSize + ",digits=" + minDigits + ".." + maxDigits
                    + ",speed=" + minSpeed + ".." + maxSpeed + ",pitch=" + minPitch + ".." + maxPitch + ",snr=" + minSnrDb + ".." + maxSnrDb
                    + ",pad=" + maxPadSeconds + ",seed=" + seed + "; voices=" + TRAIN_ACCENTS + TEST_ACCENTS + TRAIN_VARIANTS + TEST_VARIANTS
                    + "; features " + features.key();
        }
    }

    /** 2000 training and 500 test utterances of 3-7 digits, 130-220 wpm, pitch 25-75, SNR 10-30 dB, up to 0.25 s pads, seed 1. */
    public static final Config DEFAULT = new Config(2000, 500, 3, 7, 130, 220, 25, 75, 10, 30, 0.25, 1, SpeechFeatures.DEFAULT);

    /** A built (or read) data set, where its cache file is, whether it came from there, and how long it took. */
    public record Build(SpeechDataset data, Path cacheFile, boolean fromCache, double seconds, String espeakVersion) {}

    private SpokenDigits() {}

    /**
     * Builds (or reads) the set and prints its sizes, for measuring and for docs/experiments/speech.md:
     * {@code java -cp cli/target/rnn.jar dev.panamarnn.examples.experiment.SpokenDigits CACHE_DIR [TRAIN TEST [SEED]]}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1 && args.length != 3 && args.length != 4) {
            System.err.println("usage: SpokenDigits CACHE_DIR [TRAIN TEST [SEED]]   (default " + DEFAULT.trainSize() + " "
                    + DEFAULT.testSize() + " " + DEFAULT.seed() + ")");
            System.exit(2);
        }
        Config config = DEFAULT;
        try {
            if (args.length >= 3) {
                config = config.withSizes(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            }
            if (args.length == 4) {
                config = config.withSeed(Long.parseLong(args[3]));
            }
        } catch (IllegalArgumentException e) {                     // NumberFormatException too
            System.err.println("SpokenDigits: " + e.getMessage());
            System.exit(2);
        }
        Build build = build(config, Path.of(args[0]));
        System.out.printf("| split | utterances | voices | frames | hours | mean frames | digits |%n|---|---|---|---|---|---|---|%n");
        for (String name : List.of("train", "test")) {
            SpeechDataset.Split split = name.equals("train") ? build.data().train() : build.data().test();
            long digits = split.labels().stream().mapToLong(l -> l.length).sum();
            System.out.printf("| %s | %d | %d | %d | %.2f | %.1f | %d |%n", name, split.size(), split.voices().size(), split.frames(),
                    split.frames() * config.features().hop() / (double) config.features().sampleRate() / 3600,
                    split.frames() / (double) Math.max(1, split.size()), digits);
        }
        System.out.printf("%s in %.1f s (%s); cache file %s, %d bytes%n", build.fromCache() ? "read" : "built", build.seconds(),
                build.espeakVersion(), build.cacheFile(), Files.size(build.cacheFile()));
    }

    /** The training voices, "accent" or "accent+variant". */
    public static List<String> trainVoices() {
        List<String> voices = new ArrayList<>();
        for (String accent : TRAIN_ACCENTS) {
            for (String variant : TRAIN_VARIANTS) {
                voices.add(voice(accent, variant));
            }
        }
        return voices;
    }

    /** The test voices: a held-out accent with any variant, or a training accent with a held-out variant. */
    public static List<String> testVoices() {
        List<String> voices = new ArrayList<>();
        for (String accent : TEST_ACCENTS) {
            for (String variant : TRAIN_VARIANTS) {
                voices.add(voice(accent, variant));
            }
            for (String variant : TEST_VARIANTS) {
                voices.add(voice(accent, variant));
            }
        }
        for (String accent : TRAIN_ACCENTS) {
            for (String variant : TEST_VARIANTS) {
                voices.add(voice(accent, variant));
            }
        }
        return voices;
    }

    private static String voice(String accent, String variant) {
        return variant.isEmpty() ? accent : accent + "+" + variant;
    }

    /** {@link #build(Config, Path, PrintStream)} with progress on standard error. */
    public static Build build(Config config, Path cacheDir) throws IOException {
        return build(config, cacheDir, System.err);
    }

    /**
     * The data set of {@code config}: read from {@code cacheDir} when a valid cache file is there,
     * else built with espeak-ng (installed with apt-get when missing and this process is root) and
     * stored there. {@code log} gets one line per event.
     */
    public static Build build(Config config, Path cacheDir, PrintStream log) throws IOException {
        long start = System.nanoTime();
        Path file = cacheFile(config, cacheDir);
        if (Files.exists(file)) {
            try {
                Cached cached = readCache(file, config);
                double seconds = (System.nanoTime() - start) / 1e9;
                log.printf("spoken digits: read %s (%d train, %d test) in %.1f s%n", file, cached.data.train().size(),
                        cached.data.test().size(), seconds);
                return new Build(cached.data, file, true, seconds, cached.espeakVersion);
            } catch (IOException e) {
                log.println("spoken digits: the cache file " + file + " is unusable (" + e.getMessage() + "); rebuilding it");
            }
        }
        String version = Espeak.ensureInstalled(log);
        Espeak.checkVoices();
        log.printf("spoken digits: building %d train + %d test utterances with %s on %d threads%n",
                config.trainSize(), config.testSize(), version, threads());
        SpeechDataset data = new SpeechDataset(synthesise(config, 0), synthesise(config, 1), config.features());
        writeCache(file, config, data, version);
        double seconds = (System.nanoTime() - start) / 1e9;
        log.printf("spoken digits: built and cached in %s in %.1f s%n", file, seconds);
        return new Build(data, file, false, seconds, version);
    }

    /** The cache file of {@code config} in {@code cacheDir}: spoken-digits-(16 hex digits of SHA-256 of the key).bin. */
    public static Path cacheFile(Config config, Path cacheDir) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(config.key().getBytes(StandardCharsets.UTF_8));
            return cacheDir.resolve("spoken-digits-" + HexFormat.of().formatHex(hash, 0, 8) + ".bin");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static int threads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    private static SpeechDataset.Split synthesise(Config config, int split) throws IOException {
        int n = split == 0 ? config.trainSize() : config.testSize();
        List<String> voices = split == 0 ? trainVoices() : testVoices();
        SpeechFeatures features = new SpeechFeatures(config.features());
        ExecutorService pool = Executors.newFixedThreadPool(threads(), r -> {
            Thread t = new Thread(r, "spoken-digits");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Example>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long seed = config.seed() * 1_000_003L + split * 0x9E3779B97F4A7C15L + i;
                futures.add(pool.submit(() -> example(config, voices, new SplittableRandom(seed), features)));
            }
            List<float[][]> inputs = new ArrayList<>(n);
            List<int[]> labels = new ArrayList<>(n);
            List<SpeechDataset.Utterance> utterances = new ArrayList<>(n);
            for (Future<Example> f : futures) {
                Example e = f.get();
                inputs.add(e.features);
                labels.add(SpeechDataset.labelsOf(e.utterance.transcript()));
                utterances.add(e.utterance);
            }
            return new SpeechDataset.Split(inputs, labels, utterances);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the spoken digits", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException("building an utterance failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    private record Example(float[][] features, SpeechDataset.Utterance utterance) {}

    /** One utterance from its own random stream: what to say, how, then audio, noise and features. */
    private static Example example(Config c, List<String> voices, SplittableRandom r, SpeechFeatures features) throws IOException {
        int length = r.nextInt(c.minDigits(), c.maxDigits() + 1);
        StringBuilder digits = new StringBuilder(), words = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int d = r.nextInt(10);
            digits.append((char) ('0' + d));
            words.append(i == 0 ? "" : " ").append(d == 0 && r.nextBoolean() ? "oh" : WORDS[d]);
        }
        String voice = voices.get(r.nextInt(voices.size()));
        int speed = r.nextInt(c.minSpeed(), c.maxSpeed() + 1);
        int pitch = r.nextInt(c.minPitch(), c.maxPitch() + 1);
        double snr = c.maxSnrDb() == c.minSnrDb() ? c.minSnrDb() : c.minSnrDb() + (c.maxSnrDb() - c.minSnrDb()) * r.nextDouble();
        int before = (int) (r.nextDouble() * c.maxPadSeconds() * OUTPUT_RATE);
        int after = (int) (r.nextDouble() * c.maxPadSeconds() * OUTPUT_RATE);

        SpeechAudio.Pcm pcm = SpeechAudio.readWav(Espeak.speak(voice, speed, pitch, words.toString()));
        float[] speech = SpeechAudio.resample(trim(pcm.samples(), pcm.sampleRate()), pcm.sampleRate(), OUTPUT_RATE);
        float[] audio = new float[before + speech.length + after];
        System.arraycopy(speech, 0, audio, before, speech.length);
        addNoise(audio, snr, r);
        return new Example(features.logMel(audio),
                new SpeechDataset.Utterance(digits.toString(), words.toString(), voice, speed, pitch, snr));
    }

    /** Below this amplitude (-60 dB of full scale) espeak-ng's leading and trailing samples count as silence. */
    static final float SILENCE = 1e-3f;

    /**
     * {@code x} without its leading and trailing silence (|x| below {@link #SILENCE}), keeping 10 ms
     * each side: espeak-ng ends a sentence with up to half a second of it, which would swamp the
     * random padding. All-silent input is returned whole.
     */
    static float[] trim(float[] x, int rate) {
        int first = 0, last = x.length - 1;
        while (first < x.length && Math.abs(x[first]) < SILENCE) {
            first++;
        }
        while (last > first && Math.abs(x[last]) < SILENCE) {
            last--;
        }
        if (first >= x.length) {
            return x;
        }
        int margin = rate / 100;
        return java.util.Arrays.copyOfRange(x, Math.max(0, first - margin), Math.min(x.length, last + 1 + margin));
    }

    /** Adds white Gaussian noise of power (mean x^2) / 10^(snr/10) to {@code x}; +Infinity adds none. */
    static void addNoise(float[] x, double snrDb, SplittableRandom r) {
        if (snrDb == Double.POSITIVE_INFINITY || x.length == 0) {
            return;
        }
        double power = 0;
        for (float v : x) {
            power += (double) v * v;
        }
        power /= x.length;
        double sigma = Math.sqrt(power / Math.pow(10, snrDb / 10));
        for (int i = 0; i < x.length; i++) {
            x[i] += (float) (sigma * gaussian(r));
        }
    }

    private static double gaussian(SplittableRandom r) {
        double u, v, s;
        do {                                                       // Marsaglia's polar method
            u = 2 * r.nextDouble() - 1;
            v = 2 * r.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    // ---- cache file: MAGIC, VERSION, key, espeak-ng version, bands, train count, test count, utterances, CRC32 ----

    record Cached(SpeechDataset data, String espeakVersion) {}

    static void writeCache(Path file, Config config, SpeechDataset data, String espeakVersion) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".part");
        try {
            CRC32 crc = new CRC32();
            try (var raw = Files.newOutputStream(temp);
                 var checked = new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc);
                 var out = new DataOutputStream(checked)) {
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.writeUTF(config.key());
                out.writeUTF(espeakVersion);
                out.writeInt(config.features().bands());
                out.writeInt(data.train().size());
                out.writeInt(data.test().size());
                for (SpeechDataset.Split split : List.of(data.train(), data.test())) {
                    for (int i = 0; i < split.size(); i++) {
                        SpeechDataset.Utterance u = split.utterances().get(i);
                        out.writeUTF(u.transcript());
                        out.writeUTF(u.words());
                        out.writeUTF(u.voice());
                        out.writeInt(u.speed());
                        out.writeInt(u.pitch());
                        out.writeDouble(u.snrDb());
                        float[][] x = split.inputs().get(i);
                        out.writeInt(x.length);
                        for (float[] frame : x) {
                            for (float v : frame) {
                                out.writeFloat(v);
                            }
                        }
                    }
                }
                out.flush();
                out.writeLong(crc.getValue());                     // written through: the CRC of everything before it
            }
            Plots.readableByAll(temp);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static Cached readCache(Path file, Config config) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        CRC32 crc = new CRC32();
        try (InputStream raw = Files.newInputStream(file);
             var checked = new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), crc);
             var in = new DataInputStream(checked)) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a spoken-digits cache file (bad magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("cache format version " + version + ", this builder writes " + VERSION);
            }
            String key = in.readUTF();
            if (!key.equals(config.key())) {
                throw new IOException("it holds another configuration");
            }
            String espeakVersion = in.readUTF();
            int bands = in.readInt();
            int trainSize = in.readInt(), testSize = in.readInt();
            if (bands != config.features().bands() || trainSize != config.trainSize() || testSize != config.testSize()) {
                throw new IOException("header says " + bands + " bands, " + trainSize + " train, " + testSize
                        + " test; expected " + config.features().bands() + ", " + config.trainSize() + ", " + config.testSize());
            }
            SpeechDataset.Split train = readSplit(in, trainSize, bands), test = readSplit(in, testSize, bands);
            long expected = crc.getValue();
            long stored = in.readLong();
            if (stored != expected) {
                throw new IOException("CRC32 mismatch (stored " + Long.toHexString(stored) + ", computed " + Long.toHexString(expected) + ")");
            }
            if (in.read() != -1) {
                throw new IOException("bytes after the CRC");
            }
            return new Cached(new SpeechDataset(train, test, config.features()), espeakVersion);
        } catch (EOFException e) {
            throw new IOException("truncated", e);
        }
    }

    private static SpeechDataset.Split readSplit(DataInputStream in, int n, int bands) throws IOException {
        if (n < 0 || n > MAX_UTTERANCES) {
            throw new IOException("utterance count " + n + " out of range");
        }
        List<float[][]> inputs = new ArrayList<>(Math.min(n, 1 << 16));
        List<int[]> labels = new ArrayList<>(Math.min(n, 1 << 16));
        List<SpeechDataset.Utterance> utterances = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            String transcript = in.readUTF(), words = in.readUTF(), voice = in.readUTF();
            int speed = in.readInt(), pitch = in.readInt();
            double snr = in.readDouble();
            int frames = in.readInt();
            if (frames < 1 || frames > MAX_FRAMES) {
                throw new IOException("utterance " + i + " has " + frames + " frames (1 to " + MAX_FRAMES + " allowed)");
            }
            float[][] x = new float[frames][bands];
            for (float[] frame : x) {
                for (int b = 0; b < bands; b++) {
                    frame[b] = in.readFloat();
                }
            }
            try {
                labels.add(SpeechDataset.labelsOf(transcript));
            } catch (IllegalArgumentException e) {
                throw new IOException("utterance " + i + ": " + e.getMessage());
            }
            inputs.add(x);
            utterances.add(new SpeechDataset.Utterance(transcript, words, voice, speed, pitch, snr));
        }
        return new SpeechDataset.Split(inputs, labels, utterances);
    }

    /** The espeak-ng program: finding or installing it, checking the voices, speaking. */
    static final class Espeak {
        static final String PROGRAM = "espeak-ng";
        private static final long TIMEOUT_SECONDS = 60;

        private Espeak() {}

        /** espeak-ng's version line; installs it with apt-get when missing and root, else a one-line error saying what to install. */
        static String ensureInstalled(PrintStream log) throws IOException {
            String version = version();
            if (version != null) {
                return version;
            }
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
                log.println("spoken digits: espeak-ng is missing; running apt-get install -y espeak-ng");
                int rc = run(List.of("apt-get", "install", "-y", "-q", "espeak-ng"));
                if (rc != 0) {                                       // an empty package list: update once and retry
                    run(List.of("apt-get", "update", "-q"));
                    rc = run(List.of("apt-get", "install", "-y", "-q", "espeak-ng"));
                }
                version = version();
                if (rc == 0 && version != null) {
                    return version;
                }
            }
            throw new IOException("espeak-ng is not installed: install the Debian package espeak-ng (sudo apt-get install espeak-ng)");
        }

        private static int run(List<String> command) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + String.join(" ", command), e);
            }
        }

        /** The first line of {@code espeak-ng --version}, or null when it does not run. */
        static String version() {
            try {
                Process p = new ProcessBuilder(PROGRAM, "--version").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    return null;
                }
                String line = out.lines().findFirst().orElse("").trim();
                int data = line.indexOf("  Data at:");
                return data > 0 ? line.substring(0, data).trim() : line;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        /**
         * Fails when an accent or variant is not installed: espeak-ng silently ignores an unknown
         * variant, which would make two "different" voices the same.
         */
        static void checkVoices() throws IOException {
            Set<String> accents = column(listing("--voices=en"), "Language");
            Set<String> variants = new TreeSet<>();
            for (String file : column(listing("--voices=variant"), "File")) {
                variants.add(file.startsWith("!v/") ? file.substring(3) : file);
            }
            for (String accent : concat(TRAIN_ACCENTS, TEST_ACCENTS)) {
                if (!accents.contains(accent)) {
                    throw new IOException("espeak-ng lacks the voice " + accent + " (espeak-ng --voices=en lists " + accents + ")");
                }
            }
            for (String variant : concat(TRAIN_VARIANTS, TEST_VARIANTS)) {
                if (!variant.isEmpty() && !variants.contains(variant)) {
                    throw new IOException("espeak-ng lacks the variant " + variant + " (espeak-ng --voices=variant lists " + variants + ")");
                }
            }
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }

        private static List<String> listing(String option) throws IOException {
            Process p = new ProcessBuilder(PROGRAM, option).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readNBytes(1 << 20), StandardCharsets.UTF_8);
            waitFor(p, PROGRAM + " " + option);
            return out.lines().toList();
        }

        /** The values of the header's column {@code name} (whitespace-separated, as espeak-ng prints them). */
        private static Set<String> column(List<String> lines, String name) throws IOException {
            if (lines.isEmpty()) {
                throw new IOException("espeak-ng printed no voice list");
            }
            int index = List.of(lines.get(0).trim().split("\\s+")).indexOf(name);
            if (index < 0) {
                throw new IOException("espeak-ng's voice list has no column " + name + ": " + lines.get(0));
            }
            Set<String> values = new TreeSet<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > index) {
                    values.add(fields[index]);
                }
            }
            return values;
        }

        /** The WAV bytes of {@code words} spoken by {@code voice}. */
        static byte[] speak(String voice, int speed, int pitch, String words) throws IOException {
            List<String> command = List.of(PROGRAM, "-v", voice, "-s", Integer.toString(speed), "-p", Integer.toString(pitch),
                    "--stdout", words);
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] wav;
            try (InputStream out = p.getInputStream()) {
                wav = out.readNBytes(MAX_WAV_BYTES + 1);
            }
            waitFor(p, String.join(" ", command));
            if (wav.length > MAX_WAV_BYTES) {
                throw new IOException(String.join(" ", command) + " wrote more than " + MAX_WAV_BYTES + " bytes");
            }
            return wav;
        }

        private static void waitFor(Process p, String what) throws IOException {
            try {
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(what + " did not finish in " + TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + what, e);
            }
            if (p.exitValue() != 0) {
                throw new IOException(what + " exited with status " + p.exitValue());
            }
        }
    }
}
