package org.agentrouter.cluster;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a local cluster looks like: how many TaskManagers, which ports, how big, which Kafka. */
public final class ClusterOptions {
    /** Every process listens on the loopback interface only. */
    public static final String HOST = "127.0.0.1";

    public int taskManagers = 2;
    public int restPort = 8081;
    public int rpcPort = 6123;
    /** An existing Kafka; null starts a broker process of our own. */
    public String bootstrap;
    /** Client settings (security) of that existing Kafka; null: PLAINTEXT. Our own broker is PLAINTEXT. */
    public Path kafkaProperties;
    /** Client port of our own broker; 0 picks a free one. */
    public int kafkaPort = 9092;
    public int kafkaPartitions = 2;
    public String jobManagerMemory = "1024m";
    public String taskManagerMemory = "1536m";
    /** The project's Flink conf dir, whose config.yaml the cluster runs with. */
    public Path projectConfDir = Path.of("flink-conf");
    /** Further Flink settings, applied last. */
    public Map<String, String> extraConfig = new LinkedHashMap<>();
}
