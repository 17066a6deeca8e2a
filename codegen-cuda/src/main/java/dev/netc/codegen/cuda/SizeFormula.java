package dev.netc.codegen.cuda;

/**
 * Evaluates the manifest's size and grid expressions: C integer arithmetic over {@code batch} with
 * {@code + - * /}, parentheses and decimal literals, e.g. {@code (batch * 784 + 255) / 256}.
 */
public final class SizeFormula {
    private final String text;
    private final long batch;
    private int pos;

    private SizeFormula(String text, long batch) {
        this.text = text;
        this.batch = batch;
    }

    /** The value of an expression for a batch size. */
    public static long eval(String expression, int batch) {
        SizeFormula f = new SizeFormula(expression, batch);
        long v = f.sum();
        f.skipSpaces();
        if (f.pos != f.text.length()) throw new IllegalArgumentException("cannot read '" + expression + "' at " + f.pos);
        return v;
    }

    private long sum() {
        long v = product();
        while (true) {
            skipSpaces();
            if (eat('+')) v += product();
            else if (eat('-')) v -= product();
            else return v;
        }
    }

    private long product() {
        long v = atom();
        while (true) {
            skipSpaces();
            if (eat('*')) v *= atom();
            else if (eat('/')) v /= atom();
            else return v;
        }
    }

    private long atom() {
        skipSpaces();
        if (eat('(')) {
            long v = sum();
            skipSpaces();
            if (!eat(')')) throw new IllegalArgumentException("missing ')' in '" + text + "'");
            return v;
        }
        if (text.startsWith("batch", pos)) {
            pos += 5;
            return batch;
        }
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        if (start == pos) throw new IllegalArgumentException("cannot read '" + text + "' at " + pos);
        return Long.parseLong(text.substring(start, pos));
    }

    private boolean eat(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipSpaces() {
        while (pos < text.length() && text.charAt(pos) == ' ') pos++;
    }
}
