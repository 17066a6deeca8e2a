package dev.netc.ir;

/** Reductions over axes. */
public enum ReduceFn {
    SUM, MEAN, MAX;

    public String mnemonic() { return name().toLowerCase(); }
}
