package org.agentrouter.job;

import org.agentrouter.flink.KafkaMessage;
import org.agentrouter.flink.RolloutJudge;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.flink.RouterOutputs;
import org.agentrouter.rollout.VariantStats;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The rollout judge's part of the topology, kept out of {@link RouterJob}'s main graph:
 * <pre>
 * route (per-variant counts) ----\
 *                                 +-> keyBy(constant) -> rollout judge -> router-models (ModelControl rollback)
 * guarantee monitor (drift) -----/                                     \-> model-events (auto rollback)
 * </pre>
 */
final class RolloutSafety {
    private RolloutSafety() {}

    /** Wires the judge; returns its model-events stream. */
    static DataStream<KafkaMessage> judge(SingleOutputStreamOperator<KafkaMessage> routed,
                                          SingleOutputStreamOperator<KafkaMessage> guarantee,
                                          Sink<KafkaMessage> controls, RouterConfig config) {
        DataStream<VariantStats> signals = routed.getSideOutput(RouterOutputs.VARIANT_STATS)
                .union(guarantee.getSideOutput(RouterOutputs.VARIANT_STATS));
        SingleOutputStreamOperator<KafkaMessage> judged = signals
                .keyBy(s -> RolloutJudge.KEY)
                .process(new RolloutJudge(config.rollout, config.judgeSigner)).name("rollout judge").uid("rollout-judge")
                .setParallelism(1);
        // Off the decision path (see RouterJob.side): a rollback waits at most this long more in a buffer.
        if (config.sideBufferTimeoutMs >= 0) judged.setBufferTimeout(config.sideBufferTimeoutMs);
        judged.sinkTo(controls).name("router-models (rollbacks)").uid("rollout-controls-sink").setParallelism(1);
        return judged.getSideOutput(RouterOutputs.MODEL_EVENTS);
    }
}
