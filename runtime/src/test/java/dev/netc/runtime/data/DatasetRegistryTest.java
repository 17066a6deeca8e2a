package dev.netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.train.DatasetSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetRegistryTest {
    static String failure(DatasetSpec spec, Optional<Path> dir) {
        return assertThrows(DataException.class, () -> DatasetRegistry.load(spec, dir)).getMessage();
    }

    @Test
    void spiralsFromArguments() throws DataException {
        DatasetSplits s = DatasetRegistry.load(new DatasetSpec("spirals", Map.of("points", 500, "noise", 0.2, "turns", 2.0)), Optional.empty());
        assertEquals(400, s.train().size());
        assertEquals(Spirals.generate(500, 0.2, 2.0, 0), s);
        assertEquals(800, DatasetRegistry.load(new DatasetSpec("spirals", Map.of()), Optional.empty()).train().size(),
                "default 1000 points");
    }

    @Test
    void mnistNeedsADataDirectory() {
        assertTrue(failure(new DatasetSpec("mnist", Map.of()), Optional.empty()).startsWith("dataset mnist needs its files: pass --data DIR"));
    }

    @Test
    void mnistFromTheDataDirectory(@TempDir Path dir) throws Exception {
        MnistLoaderTest.writeValid(dir);
        assertEquals(5, DatasetRegistry.load(new DatasetSpec("mnist", Map.of()), Optional.of(dir)).train().size());
    }

    @Test
    void unknownNamesAndArguments() {
        assertEquals("unknown dataset 'cifar10' (known: mnist, spirals)", failure(new DatasetSpec("cifar10", Map.of()), Optional.empty()));
        assertEquals("dataset spirals: unknown argument 'arms' (known: points, noise, turns, seed)",
                failure(new DatasetSpec("spirals", Map.of("arms", 3)), Optional.empty()));
        assertEquals("dataset spirals: argument noise must be a number, got 'lots'",
                failure(new DatasetSpec("spirals", Map.of("noise", "lots")), Optional.empty()));
        assertEquals("dataset spirals: points must be a whole number from 10 to 10000000, got 10.5",
                failure(new DatasetSpec("spirals", Map.of("points", 10.5)), Optional.empty()));
    }
}
