package dev.netc.runtime.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.distributed.GradientBuckets.Bucket;
import dev.netc.runtime.distributed.GradientBuckets.Piece;
import dev.netc.runtime.distributed.GradientBuckets.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientBucketsTest {
    @Test
    void smallTensorsShareABucketAndTheTrailerRidesInTheLast() {
        List<Bucket> b = GradientBuckets.plan(List.of(new Tensor("a", 3), new Tensor("b", 4)), 100, 2);
        assertEquals(1, b.size());
        assertEquals(List.of(new Piece(0, 0, 3, 0), new Piece(1, 0, 4, 3)), b.getFirst().pieces());
        assertEquals(9, b.getFirst().floats());
    }

    @Test
    void aLargeTensorIsSplitAndEveryFloatIsCoveredOnceInOrder() {
        List<Tensor> tensors = List.of(new Tensor("k", 10), new Tensor("empty", 0), new Tensor("b", 3), new Tensor("w", 7));
        List<Bucket> buckets = GradientBuckets.plan(tensors, 4, 2);
        assertEquals(5, buckets.size());  // 20 floats in buckets of 4
        int[] next = new int[tensors.size()];
        int previousTensor = 0;
        for (Bucket bucket : buckets) {
            int offset = 0;
            for (Piece p : bucket.pieces()) {
                assertEquals(offset, p.offset(), "pieces are back to back");
                assertEquals(next[p.tensor()], p.from(), "a tensor's floats come in order");
                assertTrue(p.tensor() >= previousTensor && p.length() > 0);
                next[p.tensor()] += p.length();
                offset += p.length();
                previousTensor = p.tensor();
            }
            assertTrue(offset <= 4);
        }
        for (int t = 0; t < tensors.size(); t++) assertEquals(tensors.get(t).length(), next[t], tensors.get(t).name());
        assertEquals(4 + 2, buckets.getLast().floats(), "the last bucket is full and carries the trailer");
        assertEquals(22, GradientBuckets.total(buckets));
        assertEquals(6, GradientBuckets.largest(buckets));
    }

    @Test
    void withoutTensorsOnlyTheTrailerTravels() {
        assertEquals(List.of(new Bucket(List.of(), 2)), GradientBuckets.plan(List.of(), 8, 2));
        assertEquals(List.of(), GradientBuckets.plan(List.of(), 8, 0));
        assertThrows(IllegalArgumentException.class, () -> GradientBuckets.plan(List.of(), 0, 0));
    }
}
