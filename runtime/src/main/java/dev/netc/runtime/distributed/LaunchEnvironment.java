package dev.netc.runtime.distributed;

import java.util.Map;
import java.util.Optional;

/**
 * Where this process stands in a job that Open MPI's {@code mpirun} started, read from the variables
 * mpirun sets for every process it launches ({@code OMPI_COMM_WORLD_RANK}, {@code _SIZE},
 * {@code _LOCAL_RANK}). Read before MPI is loaded, so that a run started without mpirun is refused
 * with a message instead of silently becoming a group of one.
 *
 * @param rank      this process's rank in the job, 0..size-1
 * @param size      processes in the job
 * @param localRank this process's rank among those on its host (picks the GPU with --backend cuda)
 */
public record LaunchEnvironment(int rank, int size, int localRank) {
    static final String RANK = "OMPI_COMM_WORLD_RANK", SIZE = "OMPI_COMM_WORLD_SIZE", LOCAL_RANK = "OMPI_COMM_WORLD_LOCAL_RANK";

    public LaunchEnvironment {
        if (size < 1 || rank < 0 || rank >= size || localRank < 0)
            throw new IllegalArgumentException("rank " + rank + " of " + size + " (local " + localRank + ")");
    }

    /** This process's environment. */
    public static LaunchEnvironment current() { return of(System.getenv()); }

    /**
     * The launch read from {@code env}.
     *
     * @throws DistributedUnavailableException when mpirun did not start this process, naming what to run instead
     */
    public static LaunchEnvironment of(Map<String, String> env) {
        Optional<String> size = value(env, SIZE);
        if (size.isEmpty()) {
            String other = env.containsKey("PMI_SIZE") || env.containsKey("PMIX_RANK") || env.containsKey("SLURM_PROCID")
                    ? " (this process was started by another launcher; netc binds Open MPI's library, so start it with Open MPI's mpirun)" : "";
            throw new DistributedUnavailableException("--distributed needs to be started by Open MPI's mpirun, e.g. "
                    + "`mpirun -np 2 ./netc train FILE --distributed`: " + SIZE + " is not set" + other);
        }
        int n = parse(SIZE, size.get()), rank = parse(RANK, value(env, RANK).orElse("")),
                local = parse(LOCAL_RANK, value(env, LOCAL_RANK).orElse("0"));
        if (n < 1 || rank < 0 || rank >= n || local < 0)
            throw new DistributedUnavailableException("mpirun's variables do not fit together: " + RANK + "=" + rank + ", " + SIZE + "=" + n);
        return new LaunchEnvironment(rank, n, local);
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static int parse(String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new DistributedUnavailableException("mpirun's variable " + name + " is '" + text + "', not a number");
        }
    }
}
