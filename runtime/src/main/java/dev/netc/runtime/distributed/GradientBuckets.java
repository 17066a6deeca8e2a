package dev.netc.runtime.distributed;

import java.util.ArrayList;
import java.util.List;

/**
 * Horovod's tensor fusion: the tensors one collective covers, packed in order into buckets of at most
 * a given number of floats, so that a step makes a few allreduces of a few MB instead of one per
 * tensor (each message pays the network's latency once). A tensor larger than a bucket is split over
 * several; a bucket may hold the tail of one tensor and the head of the next. {@code trailer} floats
 * after the last tensor ride along in the last bucket (the step's loss and correct count: metrics
 * without a message of their own).
 */
public final class GradientBuckets {
    private GradientBuckets() {}

    /** A named tensor of {@code length} floats. */
    public record Tensor(String name, int length) {
        public Tensor {
            if (length < 0) throw new IllegalArgumentException(name + ": negative length " + length);
        }
    }

    /** Floats {@code [from, from + length)} of tensor {@code tensor} (an index into the planned list), at {@code offset} in the bucket. */
    public record Piece(int tensor, int from, int length, int offset) {}

    /**
     * One collective's payload.
     *
     * @param pieces  what it carries, in order, back to back from offset 0
     * @param floats  its length: the pieces' floats, plus the trailer in the last bucket
     */
    public record Bucket(List<Piece> pieces, int floats) {
        public Bucket { pieces = List.copyOf(pieces); }
    }

    /**
     * Packs {@code tensors} in the given order into buckets of at most {@code capacity} floats (the last
     * may hold {@code trailer} more). Empty tensors take no piece; no tensors at all give one bucket
     * holding only the trailer (or none without one).
     */
    public static List<Bucket> plan(List<Tensor> tensors, int capacity, int trailer) {
        if (capacity < 1) throw new IllegalArgumentException("bucket capacity must be at least one float, got " + capacity);
        if (trailer < 0) throw new IllegalArgumentException("negative trailer " + trailer);
        List<Bucket> buckets = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        int used = 0;
        for (int t = 0; t < tensors.size(); t++) {
            int length = tensors.get(t).length(), from = 0;
            while (from < length) {
                if (used == capacity) {
                    buckets.add(new Bucket(current, used));
                    current = new ArrayList<>();
                    used = 0;
                }
                int n = Math.min(length - from, capacity - used);
                current.add(new Piece(t, from, n, used));
                used += n;
                from += n;
            }
        }
        if (used > 0 || trailer > 0) buckets.add(new Bucket(current, used + trailer));
        return List.copyOf(buckets);
    }

    /** The largest bucket's floats (the size of the staging buffer the buckets share). */
    public static int largest(List<Bucket> buckets) {
        return buckets.stream().mapToInt(Bucket::floats).max().orElse(0);
    }

    /** Floats over all buckets. */
    public static long total(List<Bucket> buckets) {
        return buckets.stream().mapToLong(Bucket::floats).sum();
    }
}
