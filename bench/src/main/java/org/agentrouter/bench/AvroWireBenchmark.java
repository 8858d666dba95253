package org.agentrouter.bench;

import ai.onnxruntime.OrtEnvironment;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.query.QueryContext;
import org.agentrouter.routing.RouteDecider;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.QueryScoring;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Avro single-object encoding (the job's wire format) of a query carrying its 384-d embedding and of
 * the decision the job made for it (10 context ids).
 */
@State(Scope.Thread)
public class AvroWireBenchmark {
    private AgentQuery query;
    private byte[] queryBytes;
    private RoutingDecision decision;
    private byte[] decisionBytes;

    @Setup
    public void setUp() throws Exception {
        DecisionInputs inputs = new DecisionInputs(31);
        query = inputs.query;
        queryBytes = AvroWire.QUERY.encode(query);
        QueryContext q = inputs.retrievedContext();
        PricingTable pricing = PricingTable.defaults();
        try (ServedModel served = ServedModel.accept(OrtEnvironment.getEnvironment(),
                ModelReleases.fromClasspath("models/default"));
             RouteDecider decider = new RouteDecider(pricing, 0.1, pricing.strongest(), () -> 0L)) {
            QueryScoring.score(served, q);
            QueryScoring.stamp(served, q);
            decision = decider.decide(q);
        }
        decisionBytes = AvroWire.DECISION.encode(decision);
    }

    @Benchmark
    public AgentQuery decodeQuery() throws WireFormatException {
        return AvroWire.QUERY.decode(queryBytes);
    }

    @Benchmark
    public byte[] encodeQuery() {
        return AvroWire.QUERY.encode(query);
    }

    @Benchmark
    public RoutingDecision decodeDecision() throws WireFormatException {
        return AvroWire.DECISION.decode(decisionBytes);
    }

    @Benchmark
    public byte[] encodeDecision() {
        return AvroWire.DECISION.encode(decision);
    }
}
