package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block sizes follow the caches, and the caches are read from where Linux and the C library keep them. */
class BlockingTest {
    private static final CacheSizes ZEN5 = new CacheSizes(48 << 10, 1 << 20, 32 << 20, "test");
    private static final CacheSizes ZEN1 = new CacheSizes(32 << 10, 512 << 10, 8 << 20, "test");

    @Test
    void theTunedMachinesGetTheirTunedBlocks() {
        Blocking zen5 = Blocking.of(16, 8, 32, ZEN5); // AVX-512: eight-row micro-kernel, two 16-float vectors wide
        assertEquals(1024, zen5.kc());
        assertEquals(128, zen5.mc());
        assertEquals(1 << 16, zen5.rowsOuterMaxFloats());
        assertEquals(1 << 17, zen5.l2OperandFloats());
        assertEquals(4, zen5.packGroup()); // four 128 KiB slivers in half of L2
        Blocking zen1 = Blocking.of(8, 6, 16, ZEN1); // AVX2: six rows, two 8-float vectors
        assertEquals(256, zen1.kc());
        assertEquals(96, zen1.mc());
        assertEquals(8, zen1.packGroup()); // sixteen 16 KiB slivers would fit: eight at most (512 bytes of each row)
        // the Zen 5 with 8-float vectors (the AVX2-shape test run) keeps the AVX2 blocks
        assertEquals(256, Blocking.of(8, 6, 16, ZEN5).kc());
        assertEquals(96, Blocking.of(8, 6, 16, ZEN5).mc());
        // today's tiles (twelve rows with 16 floats, five with 8) under the same rules: kc unchanged, mc a whole number of slivers
        assertEquals(1024, Blocking.of(16, 12, 32, ZEN5).kc());
        assertEquals(120, Blocking.of(16, 12, 32, ZEN5).mc()); // ten 48 KiB slivers in half of the 1 MiB L2
        assertEquals(256, Blocking.of(8, 5, 16, ZEN1).kc());
        assertEquals(80, Blocking.of(8, 5, 16, ZEN1).mc()); // sixteen slivers at most
        assertEquals(64, Blocking.of(8, 4, 16, ZEN1).mc()); // (the four-row tile before: sixteen slivers too)
    }

    @Test
    void blocksScaleWithTheCachesAndStayUsable() {
        Blocking small = Blocking.of(16, 8, 32, new CacheSizes(16 << 10, 256 << 10, 0, "test"));
        assertEquals(256, small.kc()); // the B sliver in an eighth of a quarter-size L2
        assertEquals(128, small.mc()); // half of it holds 16 slivers of 8 rows x 256 deep
        Blocking tiny = Blocking.of(8, 6, 16, new CacheSizes(1 << 10, 8 << 10, 0, "test"));
        assertEquals(64, tiny.kc()); // never below 64 deep
        assertEquals(12, tiny.mc()); // two slivers of 6 rows x 64 deep in half of 8 KiB
        assertEquals(1, tiny.packGroup()); // one 4 KiB sliver in half of 8 KiB
        Blocking huge = Blocking.of(16, 8, 32, new CacheSizes(1 << 20, 64 << 20, 0, "test"));
        assertEquals(1024, huge.kc()); // never deeper than measured
        assertEquals(128, huge.mc());
        for (Blocking b : new Blocking[] {small, tiny, huge, Blocking.machine()}) {
            assertEquals(0, b.kc() & (b.kc() - 1), "kc a power of two: " + b);
            assertTrue(b.mc() > 0 && b.rowsOuterMaxFloats() > 0 && b.l2OperandFloats() > 0 && b.packGroup() >= 1, b.toString());
        }
        assertEquals(0, Blocking.machine().mc() % GemmMicroKernel.MR);
    }

    @Test
    void cacheSizesParseAsTheKernelAndThePropertyWriteThem() {
        assertEquals(48 << 10, CacheSizes.bytes("48K"));
        assertEquals(1 << 20, CacheSizes.bytes("1024K"));
        assertEquals(32L << 20, CacheSizes.bytes("32M"));
        assertEquals(1000, CacheSizes.bytes("1000"));
        CacheSizes forced = CacheSizes.parse("32K,512K,8M", "property");
        assertEquals(ZEN1.l1dBytes(), forced.l1dBytes());
        assertEquals(ZEN1.l2Bytes(), forced.l2Bytes());
        assertEquals(ZEN1.l3Bytes(), forced.l3Bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CacheSizes.parse("32K", "property"));
        assertTrue(e.getMessage().contains("L1d,L2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CacheSizes.parse("32Q,512K", "property"));
        assertThrows(IllegalArgumentException.class, () -> new CacheSizes(0, 512, 0, "test"));
    }

    @Test
    void sysfsDataAndUnifiedCachesAreRead(@TempDir Path dir) throws IOException {
        cache(dir, 0, 1, "Data", "48K");
        cache(dir, 1, 1, "Instruction", "32K");
        cache(dir, 2, 2, "Unified", "1024K");
        cache(dir, 3, 3, "Unified", "32768K");
        CacheSizes read = CacheSizes.fromSysfs(dir).orElseThrow();
        assertEquals(48 << 10, read.l1dBytes());
        assertEquals(1 << 20, read.l2Bytes());
        assertEquals(32L << 20, read.l3Bytes());
        assertEquals("sysfs", read.source());
        assertEquals(Optional.empty(), CacheSizes.fromSysfs(dir.resolve("absent")));
        Files.writeString(dir.resolve("index2/size"), "big");
        assertEquals(Optional.empty(), CacheSizes.fromSysfs(dir), "an unreadable size lets the next source answer");
    }

    @Test
    void thisMachineHasCaches() {
        CacheSizes caches = CacheSizes.detect();
        assertTrue(caches.l1dBytes() >= 1024 && caches.l2Bytes() >= caches.l1dBytes(), caches.toString());
        assertEquals(Blocking.machine().caches().toString(), caches.toString(), "detected once, the same every time");
    }

    private static void cache(Path dir, int index, int level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + index));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }
}
