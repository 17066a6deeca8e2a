package dev.netc.runtime.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NCCL descriptors against nccl.h's prototypes (no libnccl here: the layouts are checked, not called). */
class NcclDescriptorsTest {
    @Test
    void uniqueIdIsOneHundredTwentyEightBytesPassedByValue() {
        assertEquals(128, Nccl.UNIQUE_ID.byteSize());
        assertEquals(1, Nccl.UNIQUE_ID.byteAlignment(), "char internal[128]: byte aligned, so passed in memory by value");
        // ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank)
        assertEquals(List.of(ADDRESS, JAVA_INT, Nccl.UNIQUE_ID, JAVA_INT), Nccl.COMM_INIT_RANK.argumentLayouts());
    }

    @Test
    void collectivesTakeSizeTCountsAndIntEnums() {
        // ncclAllReduce(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)
        List<MemoryLayout> allReduce = Nccl.ALL_REDUCE.argumentLayouts();
        assertEquals(List.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), allReduce);
        assertEquals(JAVA_INT, Nccl.ALL_REDUCE.returnLayout().orElseThrow());
        // ncclBroadcast(const void*, void*, size_t, ncclDataType_t, int root, ncclComm_t, cudaStream_t)
        assertEquals(List.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Nccl.BROADCAST.argumentLayouts());
        assertEquals(ADDRESS, Nccl.ERROR_STRING.returnLayout().orElseThrow());
        assertEquals(7, Nccl.FLOAT32);
        assertEquals(4, Nccl.AVG);
    }

    @Test
    void versionCodesReadAsNcclPrintsThem() {
        assertEquals("2.10.3", Nccl.describeVersion(21003));
        assertEquals("2.18.5", Nccl.describeVersion(21805));
        assertEquals("2.8.4", Nccl.describeVersion(2804));
    }
}
