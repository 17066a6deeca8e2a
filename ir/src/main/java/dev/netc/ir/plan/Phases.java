package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Assigns every live node the phase that first needs it, by reachability from the graph outputs. */
final class Phases {
    private Phases() {}

    /** Phase of each node id, or null for nodes no output depends on. */
    static Kernel.Phase[] of(Graph g) {
        List<Integer> model = new ArrayList<>(), loss = new ArrayList<>(), grads = new ArrayList<>();
        Map<String, Graph.OutputRole> roles = g.roles();
        for (var e : g.outputs().entrySet()) {
            switch (roles.get(e.getKey())) {
                case LOSS -> loss.add(e.getValue());
                case GRADIENT -> grads.add(e.getValue());
                case MODEL, PARAMETER_UPDATE -> model.add(e.getValue());
            }
        }
        boolean[] predictLive = g.ancestors(model), lossLive = g.ancestors(loss), gradLive = g.ancestors(grads);
        Kernel.Phase[] phase = new Kernel.Phase[g.size()];
        for (int i = 0; i < g.size(); i++) {
            if (predictLive[i]) phase[i] = Kernel.Phase.PREDICT;
            else if (lossLive[i]) phase[i] = Kernel.Phase.LOSS;
            else if (gradLive[i]) phase[i] = Kernel.Phase.BACKWARD;
        }
        return phase;
    }

    /** A readable kernel name: its index and the mnemonics of (at most four of) its nodes. */
    static String kernelName(Graph g, int index, int kernelCount, List<Integer> nodes) {
        StringBuilder sb = new StringBuilder(indexPrefix(index, kernelCount));
        int shown = 0;
        for (int id : nodes) {
            if (shown++ == 4) { sb.append("_etc"); break; }
            sb.append('_').append(g.node(id).op().mnemonic());
        }
        return sb.toString();
    }

    /** A {@link #kernelName} with its index replaced, for a kernel moved to another position. */
    static String renumbered(String name, int index, int kernelCount) {
        return indexPrefix(index, kernelCount) + name.substring(name.indexOf('_'));
    }

    private static String indexPrefix(int index, int kernelCount) {
        int width = Math.max(2, Integer.toString(Math.max(0, kernelCount - 1)).length());
        return "k" + String.format("%0" + width + "d", index);
    }
}
