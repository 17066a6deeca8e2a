package dev.netc.ir;

/** Elementwise functions of two operands, with numpy-style broadcasting. */
public enum BinaryFn {
    ADD("add", "+"), SUB("sub", "-"), MUL("mul", "*"), DIV("div", "/"), MAX("maximum", null), MIN("minimum", null),
    /** 1 where a > b, else 0. */
    GREATER("greater", null);

    private final String mnemonic;
    private final String infix;

    BinaryFn(String mnemonic, String infix) { this.mnemonic = mnemonic; this.infix = infix; }

    public String mnemonic() { return mnemonic; }

    /** The infix operator in C-like languages, or null when the function has none. */
    public String infix() { return infix; }

    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case GREATER -> a > b ? 1 : 0;
        };
    }
}
