package dev.netc.runtime.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchEnvironmentTest {
    @Test
    void readsMpirunsVariables() {
        assertEquals(new LaunchEnvironment(1, 4, 1), LaunchEnvironment.of(Map.of("OMPI_COMM_WORLD_RANK", "1",
                "OMPI_COMM_WORLD_SIZE", "4", "OMPI_COMM_WORLD_LOCAL_RANK", "1")));
    }

    @Test
    void withoutMpirunTheMessageSaysHowToStartIt() {
        var e = assertThrows(DistributedUnavailableException.class, () -> LaunchEnvironment.of(Map.of()));
        assertTrue(e.getMessage().contains("mpirun -np 2 ./netc train FILE --distributed"), e.getMessage());
        var other = assertThrows(DistributedUnavailableException.class, () -> LaunchEnvironment.of(Map.of("PMI_SIZE", "2")));
        assertTrue(other.getMessage().contains("another launcher"), other.getMessage());
    }

    @Test
    void inconsistentVariablesAreRefused() {
        assertThrows(DistributedUnavailableException.class, () -> LaunchEnvironment.of(Map.of("OMPI_COMM_WORLD_RANK", "2",
                "OMPI_COMM_WORLD_SIZE", "2")));
        assertThrows(DistributedUnavailableException.class, () -> LaunchEnvironment.of(Map.of("OMPI_COMM_WORLD_RANK", "x",
                "OMPI_COMM_WORLD_SIZE", "2")));
    }

    @Test
    void aMissingLibraryIsNamedWithWhatToInstall() {
        var mpi = assertThrows(DistributedUnavailableException.class, () -> Mpi.load(List.of("libmpi-not-here.so.40")));
        assertTrue(mpi.getMessage().contains("Open MPI's library not found: none of libmpi-not-here.so.40"), mpi.getMessage());
        assertTrue(mpi.getMessage().contains("apt-get install openmpi-bin libopenmpi-dev"), mpi.getMessage());
        assertEquals(List.of("/opt/mpi/libmpi.so.40", "libmpi.so.40", "libmpi.so"), Mpi.candidates(java.util.Optional.of("/opt/mpi/libmpi.so.40")));
        var nccl = Nccl.problem(List.of("libnccl-not-here.so.2"));
        assertTrue(nccl.orElseThrow().startsWith("NCCL not found: none of libnccl-not-here.so.2"), nccl.get());
    }
}
