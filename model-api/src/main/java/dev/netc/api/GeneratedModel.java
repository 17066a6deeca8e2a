package dev.netc.api;

/**
 * What every generated model class implements; the runtime drives training through it.
 *
 * <p>Buffers are named: model inputs and parameters by their IR names, outputs by their graph output
 * names ("logits", "loss", "grad/dense/kernel", ...). Every symbolic dimension is the batch size.
 * Parameters and optimizer state survive {@link #setBatch}; activations are reallocated by it.
 */
public interface GeneratedModel {
    /** Binds the batch size; must be called before the first forward pass and whenever it changes. */
    void setBatch(int batch);

    int batch();

    /**
     * An f32 buffer (input, parameter, output or gradient), row-major; writes into it are seen by the model. A
     * parameter in {@link #updatedInBackward} moves to another array at each {@link #backwardAndUpdate}: look it up
     * again after one rather than keep the array.
     */
    float[] floatBuffer(String name);

    /** An i32 buffer (class-label input, argmax output). */
    int[] intBuffer(String name);

    /**
     * Computes the model outputs only (no loss): inference. It skips what only a backward pass reads (a
     * pooling argmax), so a pooled 5 x 5 convolution may run by Winograd's algorithm, which rounds
     * differently from {@link #forward} (by about 1e-6 of the values' scale).
     */
    void predict();

    /** Computes the model outputs and the loss; dropout is active when training. */
    void forward(boolean training);

    /** Computes every gradient output; call after {@code forward(true)}. */
    void backward();

    /** One optimizer step over every trainable parameter; step counts from 1. */
    void update(float learningRate, int step);

    /**
     * {@link #backward} then {@link #update}, with the same result, for a caller that reads no gradient in between.
     * A model may update a parameter as its gradient is computed, block by block, and never store that gradient
     * (the Java model does so for a dense layer's weights: its gradient goes from the product to the optimizer while
     * in cache), so after this call the gradient outputs of such parameters are stale. Use backward() and update()
     * to read or change gradients (averaging them over ranks, clipping them).
     */
    default void backwardAndUpdate(float learningRate, int step) {
        backward();
        update(learningRate, step);
    }

    /**
     * The trainable parameters, by name, that {@link #backwardAndUpdate} updates inside the backward pass, as their
     * gradients are computed: their gradient outputs are stale after it, and their new values are in another array
     * (the Java model writes them into a second one and swaps the two). Empty by default.
     */
    default java.util.Set<String> updatedInBackward() { return java.util.Set.of(); }

    /**
     * Freezes the parameters (true) until called with false: the caller promises not to write them in
     * between, so the model may keep them in the layouts its kernels read across passes (a dense
     * layer's weights packed into GEMM panels once instead of on every pass, as inference runtimes do).
     * For inference; while frozen, {@link #update} throws, and a parameter written anyway may go unseen.
     * Frozen, a pooled 5 x 5 convolution that {@link #predict} runs by Winograd's algorithm keeps its
     * transformed filters (the same bits as a thawed predict).
     * Unfreezing drops the packed copies. Models that keep nothing ignore it.
     */
    default void freezeParameters(boolean frozen) {}

    /** Seeds the dropout random stream. */
    void setSeed(long seed);

    /** Optimizer state buffers by name ("adam_m/dense/kernel", ...), for checkpoints. */
    java.util.Map<String, float[]> optimizerState();

    /**
     * Waits until the work of the passes run so far is done. A GPU model queues its kernels and returns
     * before they finish; a timer calls this before reading the clock. The Java model's passes finish
     * in the call, so by default there is nothing to wait for.
     */
    default void synchronize() {}

    /**
     * Times every kernel of the following passes into {@code timer} (null: stop timing). Returns
     * false when this model cannot time its kernels (a model split over several classes), true
     * when it will.
     */
    default boolean timeKernels(KernelTimer timer) { return false; }
}
