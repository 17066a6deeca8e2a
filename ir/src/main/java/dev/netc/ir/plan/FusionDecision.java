package dev.netc.ir.plan;

/**
 * Why node {@code node} was not fused with one of its operands (for {@code netc fusion} and tests).
 *
 * @param node   the elementwise node that stayed apart from an operand's kernel
 * @param reason a sentence naming the operand and the rule that kept them apart
 */
public record FusionDecision(int node, String reason) {
    @Override public String toString() { return "%" + node + ": " + reason; }
}
