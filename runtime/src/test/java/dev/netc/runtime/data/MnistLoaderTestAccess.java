package dev.netc.runtime.data;

/** Lets tests in other packages find the real MNIST directory (or skip) the same way MnistLoaderTest does. */
public final class MnistLoaderTestAccess {
    private MnistLoaderTestAccess() {}

    public static java.nio.file.Path realMnist() { return MnistLoaderTest.realMnist(); }
}
