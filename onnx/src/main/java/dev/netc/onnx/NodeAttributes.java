package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.List;

/** Typed access to an ONNX node's attributes, with the node named in every error. */
record NodeAttributes(OnnxMl.NodeProto node) {

    /** "node 'conv1' (Conv)": how messages name the node. */
    String label() {
        String name = node.getName().isBlank() ? (node.getOutputCount() > 0 ? node.getOutput(0) : "?") : node.getName();
        return "node '" + name + "' (" + node.getOpType() + ")";
    }

    InteropException error(String what) {
        return new InteropException(label() + ": " + what);
    }

    private OnnxMl.AttributeProto find(String name) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    boolean has(String name) { return find(name) != null; }

    long integer(String name, long fallback) {
        OnnxMl.AttributeProto a = find(name);
        return a == null ? fallback : a.getI();
    }

    double real(String name, double fallback) {
        OnnxMl.AttributeProto a = find(name);
        return a == null ? fallback : a.getF();
    }

    String text(String name, String fallback) {
        OnnxMl.AttributeProto a = find(name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** The attribute's integers, or {@code fallback} (null when the attribute is required to be present). */
    List<Long> ints(String name, List<Long> fallback) {
        OnnxMl.AttributeProto a = find(name);
        return a == null ? fallback : a.getIntsList();
    }

    OnnxMl.TensorProto tensor(String name) {
        OnnxMl.AttributeProto a = find(name);
        return a == null || !a.hasT() ? null : a.getT();
    }

    /** Refuses every attribute whose value differs from what netc computes ({@code attribute=value} pairs). */
    void require(String name, long expected, String why) {
        long actual = integer(name, expected);
        if (actual != expected) throw error("attribute " + name + "=" + actual + " is not supported (" + why + ")");
    }
}
