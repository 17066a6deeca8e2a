package dev.netc.kernels;

/**
 * Where {@link ConvWinograd}'s 2 x 2 outputs of each tile go, after bias and activation. Mutable: a
 * {@link WinogradRun} holds one of each and points it at the arrays of the call, so a call makes none.
 */
sealed interface WinogradSink permits WinogradSink.Pool, WinogradSink.PoolArgmax, WinogradSink.Store {
    /** Pooled, for inference: pooled[image][f][tile] = the window's maximum. */
    final class Pool implements WinogradSink {
        private float[] pooled;

        Pool(float[] pooled) {
            this.pooled = pooled;
        }

        Pool set(float[] pooled) {
            this.pooled = pooled;
            return this;
        }

        float[] pooled() {
            return pooled;
        }
    }

    /**
     * Pooled for training: the maximum and argmax[image][f][tile] = its cell (dy * 2 + dx), decided as in exact
     * arithmetic ({@link WinogradArgmax}), which needs the layer's weights ([f][c][5][5]) and their L1 norms per filter.
     */
    final class PoolArgmax implements WinogradSink {
        private float[] pooled, weights, norms;
        private byte[] argmax;

        PoolArgmax(float[] pooled, byte[] argmax, float[] weights, float[] norms) {
            set(pooled, argmax, weights, norms);
        }

        PoolArgmax set(float[] pooled, byte[] argmax, float[] weights, float[] norms) {
            this.pooled = pooled;
            this.argmax = argmax;
            this.weights = weights;
            this.norms = norms;
            return this;
        }

        float[] pooled() {
            return pooled;
        }

        byte[] argmax() {
            return argmax;
        }

        float[] weights() {
            return weights;
        }

        float[] norms() {
            return norms;
        }
    }

    /** Stored as they are: y[image][f][oy][ox]. */
    final class Store implements WinogradSink {
        private float[] y;

        Store(float[] y) {
            this.y = y;
        }

        Store set(float[] y) {
            this.y = y;
            return this;
        }

        float[] y() {
            return y;
        }
    }
}
