package dev.netc.kernels;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The data caches of the core netc runs on, which size the kernels' blocks ({@link Blocking}).
 *
 * <p>Read once per process, first found wins: the system property {@code netc.caches} ("L1d,L2,L3", e.g.
 * {@code 32K,512K,8M}: tests and experiments force a machine with it); Linux's
 * {@code /sys/devices/system/cpu/cpu0/cache}; the C library's {@code sysconf} (glibc answers from CPUID,
 * which is all some virtual machines show: the Zen 5 machine here has no cache directory in /sys); else
 * the smaller of the machines netc was tuned on (an AVX2 Zen 1: 32 KiB, 512 KiB, 8 MiB), so an unknown
 * machine gets blocks that fit.
 *
 * @param l1dBytes the level-1 data cache of one core
 * @param l2Bytes  the level-2 cache of one core
 * @param l3Bytes  the last-level cache as reported (often the whole socket's), for the record only
 * @param source   where the sizes came from: property, sysfs, sysconf or default
 */
public record CacheSizes(long l1dBytes, long l2Bytes, long l3Bytes, String source) {
    /** The sizes assumed when none can be read. */
    public static final CacheSizes DEFAULT = new CacheSizes(32 << 10, 512 << 10, 8 << 20, "default");
    private static final Path SYSFS = Path.of("/sys/devices/system/cpu/cpu0/cache");
    // glibc's <bits/confname.h>
    private static final int SC_LEVEL1_DCACHE_SIZE = 188, SC_LEVEL2_CACHE_SIZE = 191, SC_LEVEL3_CACHE_SIZE = 194;

    public CacheSizes {
        if (l1dBytes <= 0 || l2Bytes <= 0 || l3Bytes < 0) {
            throw new IllegalArgumentException("cache sizes must be positive: L1d " + l1dBytes + ", L2 " + l2Bytes + ", L3 " + l3Bytes);
        }
    }

    /** The machine's caches, by the rules of the class comment. */
    public static CacheSizes detect() {
        String forced = System.getProperty("netc.caches");
        if (forced != null) {
            return parse(forced, "property");
        }
        return fromSysfs(SYSFS).or(CacheSizes::fromSysconf).orElse(DEFAULT);
    }

    /** "L1d,L2[,L3]" with K/M/G suffixes, as {@code netc.caches} takes it. */
    static CacheSizes parse(String sizes, String source) {
        String[] parts = sizes.split(",");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("netc.caches: expected L1d,L2[,L3] such as 32K,512K,8M, got '" + sizes + "'");
        }
        return new CacheSizes(bytes(parts[0]), bytes(parts[1]), parts.length == 3 ? bytes(parts[2]) : 0, source);
    }

    /** The data and unified caches under a sysfs cache directory (index0, index1, ...: level, type, size). */
    static Optional<CacheSizes> fromSysfs(Path cacheDir) {
        long l1d = 0, l2 = 0, l3 = 0;
        for (int index = 0; Files.isDirectory(cacheDir.resolve("index" + index)); index++) {
            Path dir = cacheDir.resolve("index" + index);
            try {
                String type = Files.readString(dir.resolve("type")).trim();
                if (type.equals("Instruction")) {
                    continue;
                }
                int level = Integer.parseInt(Files.readString(dir.resolve("level")).trim());
                long size = bytes(Files.readString(dir.resolve("size")).trim());
                switch (level) {
                    case 1 -> l1d = size;
                    case 2 -> l2 = size;
                    case 3 -> l3 = size;
                    default -> { } // an L4 does not size any block
                }
            } catch (IOException | RuntimeException e) {
                return Optional.empty(); // unreadable or unexpected: let the next source answer
            }
        }
        return l1d > 0 && l2 > 0 ? Optional.of(new CacheSizes(l1d, l2, l3, "sysfs")) : Optional.empty();
    }

    private static Optional<CacheSizes> fromSysconf() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.empty(); // the _SC_ numbers below are glibc's; other systems number them differently
        }
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> symbol = linker.defaultLookup().find("sysconf");
            if (symbol.isEmpty()) {
                return Optional.empty();
            }
            MethodHandle sysconf = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            long l1d = (long) sysconf.invokeExact(SC_LEVEL1_DCACHE_SIZE);
            long l2 = (long) sysconf.invokeExact(SC_LEVEL2_CACHE_SIZE);
            long l3 = (long) sysconf.invokeExact(SC_LEVEL3_CACHE_SIZE);
            return l1d > 0 && l2 > 0 ? Optional.of(new CacheSizes(l1d, l2, Math.max(0, l3), "sysconf")) : Optional.empty();
        } catch (Throwable e) { // no native access, another C library: not an error, just no answer here
            return Optional.empty();
        }
    }

    /** "48K", "1024K", "32M", "1G" or plain bytes. */
    static long bytes(String size) {
        String s = size.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("K")) unit = 1L << 10;
        else if (s.endsWith("M")) unit = 1L << 20;
        else if (s.endsWith("G")) unit = 1L << 30;
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits.trim()) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a cache size: '" + size + "'", e);
        }
    }

    /** For reports: "L1d 48 KiB, L2 1024 KiB, L3 508 MiB (sysconf)". */
    @Override
    public String toString() {
        return "L1d " + (l1dBytes >> 10) + " KiB, L2 " + (l2Bytes >> 10) + " KiB, L3 "
                + (l3Bytes >= 1 << 20 ? (l3Bytes >> 20) + " MiB" : (l3Bytes >> 10) + " KiB") + " (" + source + ")";
    }
}
