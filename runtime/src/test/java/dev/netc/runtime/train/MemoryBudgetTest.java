package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.backend.JavaBackend;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Issue 10, item 15: a batch too large for the heap was a raw OutOfMemoryError; one too large for an array, worse. */
class MemoryBudgetTest {
    static final Graph WIDE = SoftmaxRegressionModel.graph(1000, 1000, false);
    static final OptimizerSpec ADAM = new OptimizerSpec.Adam(0.001, 0.9, 0.999, 1e-7);
    static final List<Compilation> PLANS = List.of(dev.netc.compiler.Pipeline.compile(WIDE, ADAM, dev.netc.compiler.CompileOptions.training()));
    static final long GIB = 1L << 30;
    static final MemoryBudget.Heap HEAP = new MemoryBudget.Heap(GIB, GIB);

    static String refused(int batch, MemoryBudget.Heap maxHeap) {
        return assertThrows(TrainingSetupException.class, () -> MemoryBudget.check(PLANS, ADAM, batch, 0, 0, "--batch", maxHeap)).getMessage();
    }

    @Test
    void aBatchBeyondTheHeapIsRefusedWithTheEstimateTheLimitAndWhatFits() {
        assertDoesNotThrow(() -> MemoryBudget.check(PLANS, ADAM, 32, 0, 0, "--batch", HEAP));
        String message = refused(100_000, HEAP);
        assertTrue(message.startsWith("batch 100000 needs about "), message);
        assertTrue(message.contains("more than this JVM can hold (its maximum heap is 1.0 GiB)"), message);
        assertTrue(message.contains("NETC_JAVA_OPTS=-Xmx"), message);
        Matcher fits = Pattern.compile("about ([\\d,]+) fits").matcher(message);
        assertTrue(fits.find(), message);
        int n = Integer.parseInt(fits.group(1).replace(",", ""));
        assertDoesNotThrow(() -> MemoryBudget.check(PLANS, ADAM, n, 0, 0, "--batch", HEAP), "the batch it suggests fits");
        assertThrows(TrainingSetupException.class, () -> MemoryBudget.check(PLANS, ADAM, n + 1, 0, 0, "--batch", HEAP));
    }

    @Test
    void theTestPassAndTheLoadedDataCount() {
        assertDoesNotThrow(() -> MemoryBudget.check(PLANS, ADAM, 32, 0, 0, "--batch", HEAP));
        String message = assertThrows(TrainingSetupException.class,
                () -> MemoryBudget.check(PLANS, ADAM, 32, 100_000, 0, "--batch", HEAP)).getMessage();
        assertTrue(message.contains("(the test pass runs at batch 100000)"), message);
        assertThrows(TrainingSetupException.class, () -> MemoryBudget.check(PLANS, ADAM, 32, 0, GIB, "--batch", HEAP));
    }

    /** The parallel collector keeps long-lived arrays in an old generation of two thirds of the heap: that is the limit. */
    @Test
    void theLongLivedPartOfTheHeapIsTheLimit() {
        String message = assertThrows(TrainingSetupException.class,
                () -> MemoryBudget.check(PLANS, ADAM, 100_000, 0, 0, "--batch", new MemoryBudget.Heap(3 * GIB, GIB))).getMessage();
        assertTrue(message.contains("(its maximum heap is 3.0 GiB, of which 1.0 GiB can hold long-lived data)"), message);
        MemoryBudget.Heap current = MemoryBudget.Heap.current();
        assertTrue(current.longLived() > 0 && current.longLived() <= current.max(), current.toString());
    }

    @Test
    void aBufferLargerThanAJavaArrayIsTheSameUserError() {
        String message = refused(3_000_000, new MemoryBudget.Heap(Long.MAX_VALUE, Long.MAX_VALUE));
        assertTrue(message.startsWith("batch 3000000 is too large: "), message);
        assertTrue(message.contains("would hold 3,000,000,000 elements, more than a Java array can (2,147,483,639)"), message);
        assertTrue(message.endsWith("use a smaller --batch (at most 2,147,483)"), message);
    }

    @Test
    void optimizerStateIsCounted() {
        assertTrue(MemoryBudget.optimizerStateBytes(WIDE, ADAM) == 2L * 4 * (1000 * 1000 + 1000));
        assertTrue(MemoryBudget.optimizerStateBytes(WIDE, new OptimizerSpec.Sgd(0.1, 0, false, 0)) == 0);
    }

    @Test
    void theSecondArraysOfWeightsUpdatedInTheirProductsAreCounted() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("netc.projectRoot", "..")).resolve("examples/mnist_cnn.net");
        var model = dev.netc.frontend.Frontend.check(dev.netc.frontend.SourceFile.read(file)).models().getFirst();
        var options = dev.netc.compiler.CompileOptions.training();
        // its dense layers' weights, 3136 x 1024 and 1024 x 10 floats, each get a second array
        assertEquals(4L * (3136 * 1024 + 1024 * 10), MemoryBudget.secondArrayBytes(dev.netc.compiler.Pipeline.compile(model, options)));
        assertEquals(0L, MemoryBudget.secondArrayBytes(dev.netc.compiler.Pipeline.compile(model, options.fused(false))),
                "the unfused baseline updates in place");
        assertEquals(0L, MemoryBudget.secondArrayBytes(PLANS.getFirst()), "softmax regression: no product updates its weights");
    }
}
