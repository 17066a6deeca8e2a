package dev.netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvLoaderTest {
    @TempDir Path dir;

    Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    String failure(Path train, Optional<Path> test, CsvLoader.Options options) {
        return assertThrows(DataException.class, () -> CsvLoader.load(train, test, options)).getMessage();
    }

    @Test
    void readsFeaturesAndTheLastColumnAsLabels() throws Exception {
        Path train = write("train.csv", "a,b,label\n1,2,0\n\n# a comment\n3.5,-4e-1,2\n 5 , 6 ,1.0\n");
        DatasetSplits s = CsvLoader.load(train, Optional.empty(), CsvLoader.Options.DEFAULT);
        Dataset d = s.train();
        assertEquals("train.csv", d.name());
        assertArrayEquals(new int[] {2}, d.exampleShape());
        assertArrayEquals(new float[] {1, 2, 3.5f, -0.4f, 5, 6}, d.features());
        assertArrayEquals(new int[] {0, 2, 1}, d.labels());
        assertEquals(3, d.classes());
        assertTrue(s.test().isEmpty());
    }

    @Test
    void labelByNameOrIndexAndNamedClassesShareOneNumbering() throws Exception {
        Path train = write("iris.csv", "species,w,h\nvirginica,1,2\nsetosa,3,4\nversicolor,5,6\n");
        Path test = write("iris-test.csv", "species,w,h\nsetosa,7,8\n");
        CsvLoader.Options byName = new CsvLoader.Options(new CsvLoader.LabelColumn.Named("species"), Optional.empty(), OptionalInt.empty());
        DatasetSplits s = CsvLoader.load(train, Optional.of(test), byName);
        assertArrayEquals(new int[] {2, 0, 1}, s.train().labels(), "names in sorted order");
        assertArrayEquals(new int[] {0}, s.test().get().labels());
        assertArrayEquals(new float[] {7, 8}, s.test().get().features());

        Path noHeader = write("plain.csv", "1,10,20\n0,30,40\n");
        CsvLoader.Options first = new CsvLoader.Options(new CsvLoader.LabelColumn.Index(0), Optional.empty(), OptionalInt.of(4));
        Dataset d = CsvLoader.load(noHeader, Optional.empty(), first).train();
        assertArrayEquals(new int[] {1, 0}, d.labels());
        assertArrayEquals(new float[] {10, 20, 30, 40}, d.features(), "no header: the first line is data");
        assertEquals(4, d.classes());
    }

    @Test
    void badRowsNameFileAndLine() throws Exception {
        Path columns = write("c.csv", "a,b,label\n1,2,0\n3,4\n");
        assertEquals("c.csv:3: has 2 columns, expected 3 (as in line 1)", failure(columns, Optional.empty(), CsvLoader.Options.DEFAULT));
        Path text = write("t.csv", "a,b,label\n1,2,0\n1,x,1\n");
        assertEquals("t.csv:3: column 2 ('b'): 'x' is not a number", failure(text, Optional.empty(), CsvLoader.Options.DEFAULT));
        Path nan = write("n.csv", "1,2,0\n1,nan,1\n");
        assertEquals("n.csv:2: column 2: 'nan' is not a number", failure(nan, Optional.empty(), CsvLoader.Options.DEFAULT));
        Path truncated = write("cut.csv", "1,2,0\n3,4,1\n5,");
        assertEquals("cut.csv:3: has 2 columns, expected 3 (as in line 1)", failure(truncated, Optional.empty(), CsvLoader.Options.DEFAULT));
        Path empty = write("e.csv", "a,b,label\n");
        assertEquals("e.csv: no data rows after the header line", failure(empty, Optional.empty(), CsvLoader.Options.DEFAULT));
        assertTrue(failure(dir.resolve("missing.csv"), Optional.empty(), CsvLoader.Options.DEFAULT).endsWith("missing.csv: no such file"));
        Path binary = Files.write(dir.resolve("b.csv"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertEquals("b.csv: not a text file (invalid UTF-8)", failure(binary, Optional.empty(), CsvLoader.Options.DEFAULT));
    }

    @Test
    void testFileMustMatchTheTrainingFile() throws Exception {
        Path train = write("train.csv", "1,2,0\n3,4,1\n");
        Path wide = write("wide.csv", "1,2,3,0\n");
        assertEquals("wide.csv: has 3 feature columns, train.csv has 2", failure(train, Optional.of(wide), CsvLoader.Options.DEFAULT));
        Path named = write("named.csv", "1,2,cat\n");
        assertEquals("named.csv:1: label 'cat' is not a class index (0, 1, ...) like the labels of train.csv",
                failure(train, Optional.of(named), CsvLoader.Options.DEFAULT));
        CsvLoader.Options tooFew = new CsvLoader.Options(new CsvLoader.LabelColumn.Last(), Optional.empty(), OptionalInt.of(1));
        assertEquals("train.csv: classes=1 but the labels need 2 (the largest label is 1)", failure(train, Optional.empty(), tooFew));
        CsvLoader.Options missing = new CsvLoader.Options(new CsvLoader.LabelColumn.Named("y"), Optional.empty(), OptionalInt.empty());
        assertEquals("train.csv:1: no column named 'y' in the header (columns: 1, 2, 0)", failure(train, Optional.empty(), missing));
    }

    /** Issue 10: one label such as -1 or 1.5 silently switched the whole file to label names and renumbered every class. */
    @Test
    void aStrayNumberAmongClassIndicesNamesItsLine() throws Exception {
        for (String bad : new String[] {"-1", "1.5"}) {
            Path train = write("train.csv", "x,label\n1,0\n2,1\n3," + bad + "\n4,2\n");
            assertEquals("train.csv:4: label '" + bad + "' is not a class index (0, 1, ...): labels that are numbers must be whole numbers"
                    + " from 0 (to read every label as a class name instead, add labels=names to the dataset)",
                    failure(train, Optional.empty(), CsvLoader.Options.DEFAULT));
        }
        Path mixed = write("mixed.csv", "x,label\n1,0\n2,cat\n");
        assertEquals("mixed.csv:3: label 'cat' is a name, but line 2 has the number '0' as its label: labels must be all class indices"
                + " (0, 1, ...) or, with labels=names in the dataset, all names", failure(mixed, Optional.empty(), CsvLoader.Options.DEFAULT));

        CsvLoader.Options names = new CsvLoader.Options(new CsvLoader.LabelColumn.Last(), Optional.empty(), OptionalInt.empty(),
                CsvLoader.Labels.NAMES);
        Dataset d = CsvLoader.load(write("n.csv", "1,-1\n2,1.5\n3,-1\n4,cat\n"), Optional.empty(), names).train();
        assertArrayEquals(new int[] {0, 1, 0, 2}, d.labels(), "asked for names: sorted -1, 1.5, cat");
        CsvLoader.Options indices = new CsvLoader.Options(new CsvLoader.LabelColumn.Last(), Optional.empty(), OptionalInt.empty(),
                CsvLoader.Labels.INDICES);
        assertEquals("i.csv:1: label 'cat' is not a class index (0, 1, ...), as labels=indices requires",
                failure(write("i.csv", "1,cat\n2,dog\n"), Optional.empty(), indices));
        assertArrayEquals(new int[] {1, 0}, CsvLoader.load(write("w.csv", "1,dog\n2,cat\n"), Optional.empty(), CsvLoader.Options.DEFAULT)
                .train().labels(), "names without any number stay names");
    }

    @Test
    void holdOutSplitsDeterministically() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 50; i++) rows.append(i).append(',').append(i % 2).append('\n');
        Dataset all = CsvLoader.load(write("all.csv", rows.toString()), Optional.empty(), CsvLoader.Options.DEFAULT).train();
        DatasetSplits a = CsvLoader.holdOut(all, 0.2, 3), b = CsvLoader.holdOut(all, 0.2, 3);
        assertEquals(40, a.train().size());
        assertEquals(10, a.test().get().size());
        assertEquals(a, b);
        float sum = 0;
        for (float f : a.train().features()) sum += f;
        for (float f : a.test().get().features()) sum += f;
        assertEquals(49 * 50 / 2, sum, "every row lands in exactly one split");
    }
}
