package dev.netc.runtime.data;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a dataset's features are rescaled, per channel, with statistics of the training split only (so
 * the test split is transformed exactly as a new example would be). A channel is the first dimension
 * of the example shape: the colour plane of an image [C, H, W], the column of a CSV row [F].
 */
public enum Normalization {
    /** Leave the values as loaded (images: pixels in [0, 1]). */
    NONE,
    /** Subtract the channel's mean and divide by its standard deviation (a constant channel is only centred). */
    STANDARD,
    /** Map the channel's [min, max] to [0, 1] (a constant channel becomes 0). */
    MINMAX;

    /** The names a train block may give ({@code normalize=standard}). */
    public static final List<String> NAMES = List.of("none", "standard", "minmax");

    /** The mode a train block names; {@code what} prefixes the error (e.g. "dataset csv"). */
    public static Normalization parse(Object value, String what) throws DataException {
        if (value instanceof String s && NAMES.contains(s.toLowerCase(Locale.ROOT))) return valueOf(s.toUpperCase(Locale.ROOT));
        throw new DataException(what + ": normalize must be one of " + String.join(", ", NAMES) + ", got '" + value + "'");
    }

    /** Both splits rescaled with the training split's per-channel statistics. */
    public DatasetSplits apply(DatasetSplits splits) {
        if (this == NONE) return splits;
        Dataset train = splits.train();
        int channels = train.exampleShape()[0];
        int perChannel = train.exampleSize() / channels;
        float[] shift = new float[channels], scale = new float[channels];
        for (int c = 0; c < channels; c++) {
            double[] stats = stats(train, c, perChannel, channels);
            double spread = this == STANDARD ? stats[1] : stats[3] - stats[2];
            shift[c] = (float) (this == STANDARD ? stats[0] : stats[2]);
            scale[c] = spread > 0 ? (float) (1 / spread) : 1f;
        }
        Optional<Dataset> test = splits.test().map(t -> transform(t, shift, scale, perChannel));
        return new DatasetSplits(transform(train, shift, scale, perChannel), test);
    }

    /** {mean, standard deviation, min, max} of channel {@code c} over every example (two-pass, in double). */
    private static double[] stats(Dataset data, int c, int perChannel, int channels) {
        float[] f = data.features();
        int size = perChannel * channels;
        double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        long count = (long) data.size() * perChannel;
        for (int e = 0; e < data.size(); e++)
            for (int i = e * size + c * perChannel, end = i + perChannel; i < end; i++) {
                sum += f[i];
                min = Math.min(min, f[i]);
                max = Math.max(max, f[i]);
            }
        double mean = count == 0 ? 0 : sum / count, squares = 0;
        for (int e = 0; e < data.size(); e++)
            for (int i = e * size + c * perChannel, end = i + perChannel; i < end; i++) squares += (f[i] - mean) * (f[i] - mean);
        return new double[] {mean, count == 0 ? 0 : Math.sqrt(squares / count), min, max};
    }

    private static Dataset transform(Dataset data, float[] shift, float[] scale, int perChannel) {
        float[] in = data.features(), out = new float[in.length];
        int channels = shift.length;
        for (int i = 0; i < in.length; i++) {
            int c = (i / perChannel) % channels;
            out[i] = (in[i] - shift[c]) * scale[c];
        }
        return new Dataset(data.name(), data.exampleShape(), out, data.labels(), data.classes());
    }
}
