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
    void addingProblemIsSeededAndItsTargetIsTheSumOfTheMarkedValues() throws Exception {
        DatasetSpec spec = new DatasetSpec("adding_problem", Map.of("length", 7.0, "size", 40.0, "test_size", 5.0, "seed", 3.0));
        DatasetSplits a = DatasetRegistry.load(spec, Optional.empty()), b = DatasetRegistry.load(spec, Optional.empty());
        assertEquals(a.train(), b.train());
        assertEquals(40, a.train().size());
        assertEquals(5, a.test().orElseThrow().size());
        assertEquals(1, a.train().targetSize());
        float[] f = a.train().features();
        for (int n = 0; n < 40; n++) {
            double sum = 0;
            int markersFirstHalf = 0, markers = 0;
            for (int t = 0; t < 7; t++) {
                float value = f[n * 14 + 2 * t], marker = f[n * 14 + 2 * t + 1];
                assertTrue(value >= 0 && value < 1 && (marker == 0 || marker == 1));
                if (marker == 1) { sum += value; markers++; if (t < 3) markersFirstHalf++; }
            }
            assertEquals(2, markers);
            assertEquals(1, markersFirstHalf, "one marker in each half");
            assertEquals(sum, a.train().targets()[n], 1e-6);
        }
        assertTrue(failure(new DatasetSpec("adding_problem", Map.of("length", 1.0)), Optional.empty()).contains("length must be a whole number >= 2"));
    }

    @Test
    void unknownNamesAndArguments() {
        assertEquals("unknown dataset 'imagenet' (known: mnist, cifar10, csv, spirals, adding_problem)",
                failure(new DatasetSpec("imagenet", Map.of()), Optional.empty()));
        assertEquals("dataset csv: unknown argument 'sep' (known: path, test, test_fraction, seed, label, labels, header, classes, normalize)",
                failure(new DatasetSpec("csv", Map.of("path", "a.csv", "sep", ";")), Optional.empty()));
        assertEquals("dataset csv needs path=\"FILE.csv\" (the training rows)", failure(new DatasetSpec("csv", Map.of()), Optional.empty()));
        assertEquals("dataset mnist: unknown argument 'points' (known: path, normalize, sequence, subset)",
                failure(new DatasetSpec("mnist", Map.of("points", 3.0)), Optional.empty()));
        assertEquals("dataset spirals: unknown argument 'arms' (known: points, noise, turns, seed)",
                failure(new DatasetSpec("spirals", Map.of("arms", 3)), Optional.empty()));
        assertEquals("dataset spirals: argument noise must be a number, got 'lots'",
                failure(new DatasetSpec("spirals", Map.of("noise", "lots")), Optional.empty()));
        assertEquals("dataset spirals: points must be a whole number from 10 to 10000000, got 10.5",
                failure(new DatasetSpec("spirals", Map.of("points", 10.5)), Optional.empty()));
    }

    @Test
    void cifarFromTheDataDirectoryWithNormalization(@TempDir Path dir) throws Exception {
        CifarLoaderTest.writeValid(dir, 2);
        DatasetSplits plain = DatasetRegistry.load(new DatasetSpec("cifar10", Map.of()), Optional.of(dir));
        assertEquals(10, plain.train().size());
        DatasetSplits standard = DatasetRegistry.load(new DatasetSpec("cifar10", Map.of("normalize", "standard")), Optional.of(dir));
        assertEquals(Normalization.STANDARD.apply(plain), standard);
        assertTrue(failure(new DatasetSpec("cifar10", Map.of()), Optional.empty()).startsWith("dataset cifar10 needs its files: pass --data DIR"));
    }

    @Test
    void csvPathsResolveAgainstTheDataDirectoryOrTheBase(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("train.csv"), "x,label\n1,0\n2,1\n3,0\n4,1\n");
        java.nio.file.Files.writeString(dir.resolve("test.csv"), "x,label\n5,1\n");
        DatasetSpec spec = new DatasetSpec("csv", Map.of("path", "train.csv", "test", "test.csv", "label", "label", "normalize", "minmax"));
        DatasetSplits s = DatasetRegistry.load(spec, Optional.of(dir));
        assertEquals(DatasetRegistry.load(spec, Optional.empty(), dir), s);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 1 / 3f, 2 / 3f, 1}, s.train().features(), 1e-6f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {4 / 3f}, s.test().get().features(), 1e-6f);

        DatasetSplits held = DatasetRegistry.load(new DatasetSpec("csv", Map.of("path", "train.csv", "test_fraction", 0.25)), Optional.of(dir));
        assertEquals(3, held.train().size());
        assertEquals(1, held.test().get().size());
        assertEquals("dataset csv: test_fraction must be between 0 and 1, got 1.5",
                failure(new DatasetSpec("csv", Map.of("path", "train.csv", "test_fraction", 1.5)), Optional.of(dir)));
        assertEquals("dataset csv: header must be true or false, got 'maybe'",
                failure(new DatasetSpec("csv", Map.of("path", "train.csv", "header", "maybe")), Optional.of(dir)));
    }

    @Test
    void csvLabelsOption(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("t.csv"), "x,label\n1,-1\n2,1\n3,-1\n");
        assertTrue(failure(new DatasetSpec("csv", Map.of("path", "t.csv")), Optional.of(dir))
                .startsWith("t.csv:2: label '-1' is not a class index"));
        DatasetSplits named = DatasetRegistry.load(new DatasetSpec("csv", Map.of("path", "t.csv", "labels", "names")), Optional.of(dir));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 1, 0}, named.train().labels());
        assertEquals("dataset csv: labels must be names, indices or auto, got 'words'",
                failure(new DatasetSpec("csv", Map.of("path", "t.csv", "labels", "words")), Optional.of(dir)));
    }

    @Test
    void describeIsStableAndInputFilesAreTheFilesRead(@TempDir Path dir) throws Exception {
        assertEquals("spirals(noise=0.2, points=500)", DatasetRegistry.describe(new DatasetSpec("spirals", Map.of("points", 500, "noise", 0.2))));
        assertEquals("csv(label=\"y\", path=\"a.csv\")", DatasetRegistry.describe(new DatasetSpec("csv", Map.of("path", "a.csv", "label", "y"))));
        assertEquals("mnist", DatasetRegistry.describe(new DatasetSpec("mnist", Map.of())));
        MnistLoaderTest.writeValid(dir);
        assertEquals(4, DatasetRegistry.inputFiles(new DatasetSpec("mnist", Map.of()), Optional.of(dir), Path.of("")).size());
        java.nio.file.Files.writeString(dir.resolve("a.csv"), "1,0\n");
        assertEquals(java.util.List.of(dir.resolve("a.csv")),
                DatasetRegistry.inputFiles(new DatasetSpec("csv", Map.of("path", "a.csv", "test", "missing.csv")), Optional.empty(), dir));
        assertEquals(java.util.List.of(), DatasetRegistry.inputFiles(new DatasetSpec("spirals", Map.of()), Optional.empty(), dir));
    }
}
