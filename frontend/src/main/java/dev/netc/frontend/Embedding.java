package dev.netc.frontend;

import dev.netc.ir.DType;
import dev.netc.ir.Gather;
import dev.netc.ir.Init;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;

/**
 * {@code embedding(ids, vocab, dim, embeddings_init=uniform(-0.05, 0.05), name=...)}: Keras's
 * Embedding. i32 ids [...] pick rows of the trainable table {@code <layer>/embeddings} [vocab, dim],
 * giving [..., dim] (so ids [B, T] give a sequence [B, T, dim] for the recurrent layers); an id outside
 * 0..vocab-1 gives a zero row. The lookup is the primitive {@link Gather}; its gradient a scatter-add.
 */
final class Embedding {
    private Embedding() {}

    static Value layer(Emitter e, Frame f, Args a, String name) {
        Value.Tensor ids = a.tensor("ids");
        if (ids.type().dtype() != DType.I32)
            throw a.error("ids", "ids must be i32 token indices such as i32[B, T], got " + ids.type());
        int vocab = a.positiveInt("vocab", 1), dim = a.positiveInt("dim", 1);
        Init init = a.init("embeddings_init", new Init.Uniform(-0.05, 0.05));
        String layer = Layers.layerName(f, a, "embedding");
        Value.Tensor table = e.parameter(layer + "/embeddings", new TensorType(DType.F32, Shape.of(vocab, dim)), init, true, a.span());
        Value.Tensor out = e.add(new Gather(), name, a.span(), table, ids);
        e.row(layer, "Embedding", out.type().shape(), (long) vocab * dim, 0);
        return out;
    }
}
